export { createZooKeeperBackend, type ZooKeeperBackend } from './zookeeper-backend.js';
export {
  defaultSessionTimeoutMs,
  type ZooKeeperAuth,
  type ZooKeeperBackendOptions,
} from './options.js';
