export const backendNames = ['raft', 'etcd', 'zookeeper', 'kubernetes'] as const;
export type BackendName = (typeof backendNames)[number];
