// Plays StatefulSet controller and kubelet for the elector container of a rendered StatefulSet:
// creates its pods in the test apiserver, gives each process exactly the environment the pod spec
// gives the container (downward API fieldRefs, secretKeyRefs, $(VAR) expansion, volume mounts
// materialised under a temp dir), and runs the image's command against the built dist/.
//
// What loopback forces is rewritten, and listed in `rewritten`: the HTTP and peer ports (all
// members share 127.0.0.1, so each gets free ones), ELECTOR_PEERS and
// ELECTOR_PEER_HTTP_ADDRESSES (there is no DNS for the peer host template, so peers are named
// statically), ELECTOR_KUBECONFIG (there is no in-cluster service-account mount; the kubeconfig
// carries a token whose rights are exactly the rendered Role's), and every path under a volume
// mount (it points into the member's temp dir instead).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repositoryRoot } from '../../helpers/helm.js';
import { startChild, type Child } from '../../helpers/child.js';
import { freePorts } from '../../helpers/free-port.js';
import {
  serviceAccountUserName,
  type JsonObject,
  type PolicyRule,
} from '../../helpers/kube-apiserver/index.js';
import type { LeaderAnswer } from '../../helpers/sidecar-cluster.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { TestCluster } from './cluster.js';
import { containerProcess, shippedImageConfig } from './image-config.js';
import {
  listOf,
  roleBindingSchema,
  roleSchema,
  secretSchema,
  type Container,
  type StatefulSet,
} from './objects.js';
import { resolveEnv } from './pod-env.js';

export interface MemberPod {
  readonly name: string;
  readonly httpPort: number;
  /** The environment the pod spec gives the container, resolved as the kubelet would. */
  readonly podEnv: Readonly<Record<string, string>>;
  /** What the process got: podEnv with the loopback rewrites. */
  readonly env: Readonly<Record<string, string>>;
  child: Child | null;
  isRunning: boolean;
}

export interface PodGroup {
  readonly members: readonly MemberPod[];
  /** Names of the variables whose value differs from the pod spec's (or that it lacks). */
  readonly rewritten: readonly string[];
  member(name: string): MemberPod;
  leaderAnswer(name: string): Promise<LeaderAnswer | null>;
  /** Resolves once every running member agrees on one acting leader (not one of `exclude`). */
  waitForAgreedLeader(what: string, exclude?: readonly string[]): Promise<LeaderAnswer>;
  readonly logs: () => string;
  /** SIGKILLs every member still running (by PID). */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly cluster: TestCluster;
  readonly statefulSet: StatefulSet;
  /** Where member directories (volumes) go. */
  readonly directory: string;
  readonly containerName?: string;
}

/** The rules the pod's service account gets through the RoleBindings in its namespace. */
async function rulesOf(
  cluster: TestCluster,
  namespace: string,
  serviceAccount: string,
): Promise<PolicyRule[]> {
  const bindings = await cluster.get(listOf(roleBindingSchema), namespace, ['rolebindings']);
  const roles = await cluster.get(listOf(roleSchema), namespace, ['roles']);
  return bindings.items
    .filter((binding) =>
      binding.subjects.some(
        (subject) =>
          subject.kind === 'ServiceAccount' &&
          subject.name === serviceAccount &&
          (subject.namespace ?? namespace) === namespace,
      ),
    )
    .flatMap(
      (binding) =>
        roles.items.find(
          (role) => binding.roleRef.kind === 'Role' && role.metadata.name === binding.roleRef.name,
        )?.rules ?? [],
    )
    .map((rule) => ({
      apiGroups: rule.apiGroups,
      resources: rule.resources,
      verbs: rule.verbs,
      ...(rule.resourceNames === undefined ? {} : { resourceNames: rule.resourceNames }),
    }));
}

/** Creates the StatefulSet's pods (Running) and starts their elector containers. */
export async function startStatefulSetPods(options: StartOptions): Promise<PodGroup> {
  const { cluster, statefulSet } = options;
  const namespace = statefulSet.metadata.namespace;
  const template = statefulSet.spec.template;
  const containerName = options.containerName ?? 'elector';
  const container: Container | undefined = template.spec.containers.find(
    (candidate) => candidate.name === containerName,
  );
  if (container === undefined)
    throw new Error(`the pod template has no ${containerName} container`);
  const serviceAccountName = template.spec.serviceAccountName ?? 'default';
  const image = shippedImageConfig();
  const names = Array.from(
    { length: statefulSet.spec.replicas },
    (_, ordinal) => `${statefulSet.metadata.name}-${ordinal}`,
  );

  for (const [ordinal, name] of names.entries()) {
    cluster.server.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        labels: {
          ...template.metadata.labels,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(ordinal),
        },
      },
      // The template came from JSON; the round trip types it as JSON again.
      spec: JSON.parse(
        JSON.stringify({
          ...template.spec,
          hostname: name,
          subdomain: statefulSet.spec.serviceName,
        }),
      ) as JsonObject,
    });
    cluster.server.setPodPhase(namespace, name, 'Running');
  }

  // The service account's token, with exactly the rights the rendered RoleBindings give it.
  let kubeconfig: string | null = null;
  if (template.spec.automountServiceAccountToken !== false) {
    const token = `token-${namespace}-${serviceAccountName}`;
    cluster.server.setUser({
      token,
      name: serviceAccountUserName(namespace, serviceAccountName),
      namespace,
      rules: await rulesOf(cluster, namespace, serviceAccountName),
    });
    kubeconfig = join(options.directory, 'service-account-kubeconfig');
    await cluster.server.writeKubeconfig(kubeconfig, { token, namespace });
  }

  const readSecret = (name: string, key: string): string => {
    const secret = secretSchema.parse(cluster.server.get('secrets', namespace, name));
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`secret ${name} has no key ${key}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };

  const ports = await freePorts(names.length * 2);
  const portsOf = (index: number): { http: number; peer: number } => ({
    http: ports[index * 2] ?? 0,
    peer: ports[index * 2 + 1] ?? 0,
  });
  const staticList = (pick: 'http' | 'peer'): string =>
    names.map((name, index) => `${name}=127.0.0.1:${portsOf(index)[pick]}`).join(',');

  const members: MemberPod[] = [];
  const rewritten = new Set<string>();
  for (const [index, name] of names.entries()) {
    const podDirectory = join(options.directory, name);
    const podEnv = resolveEnv(
      container.env ?? [],
      { name, namespace, serviceAccountName, podIp: '127.0.0.1' },
      readSecret,
      image.env,
    );
    const env: Record<string, string> = { ...podEnv };
    for (const mount of container.volumeMounts ?? []) {
      const local = join(podDirectory, 'volumes', mount.name);
      await mkdir(local, { recursive: true });
      const volume = template.spec.volumes?.find((candidate) => candidate.name === mount.name);
      if (volume?.secret !== undefined) {
        for (const item of volume.secret.items ?? []) {
          const file = join(local, item.path);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, readSecret(volume.secret.secretName, item.key));
        }
      } else if (
        volume?.emptyDir === undefined &&
        !(statefulSet.spec.volumeClaimTemplates ?? []).some(
          (claim) => claim.metadata.name === mount.name,
        )
      ) {
        throw new Error(`volume ${mount.name} is neither a Secret, an emptyDir nor a claim`);
      }
      for (const [key, value] of Object.entries(env)) {
        if (value === mount.mountPath || value.startsWith(`${mount.mountPath}/`)) {
          env[key] = local + value.slice(mount.mountPath.length);
        }
      }
    }
    const { http, peer } = portsOf(index);
    env.ELECTOR_HTTP_PORT = String(http);
    if (env.ELECTOR_MEMBERS !== undefined) {
      env.ELECTOR_PEER_PORT = String(peer);
      env.ELECTOR_PEERS = staticList('peer');
      env.ELECTOR_PEER_HTTP_ADDRESSES = staticList('http');
    }
    if (kubeconfig !== null) env.ELECTOR_KUBECONFIG = kubeconfig;
    for (const key of Object.keys(env)) if (env[key] !== podEnv[key]) rewritten.add(key);
    members.push({ name, httpPort: http, podEnv, env, child: null, isRunning: false });
  }

  const { file, args } = containerProcess(image, container);
  for (const member of members) {
    const child = startChild(file, [...args], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', ...member.env },
    });
    member.child = child;
    member.isRunning = true;
    void child.exited.then(() => {
      member.isRunning = false;
    });
  }

  const member = (name: string): MemberPod => {
    const found = members.find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no member ${name}`);
    return found;
  };
  const leaderAnswer = async (name: string): Promise<LeaderAnswer | null> => {
    try {
      const response = await fetch(`http://127.0.0.1:${member(name).httpPort}/leader`, {
        signal: AbortSignal.timeout(1000),
      });
      return (await response.json()) as LeaderAnswer;
    } catch {
      return null;
    }
  };
  return {
    members,
    rewritten: [...rewritten].sort(),
    member,
    leaderAnswer,
    async waitForAgreedLeader(what, exclude = []) {
      return waitFor(
        async () => {
          const running = members.filter((candidate) => candidate.isRunning);
          const answers = await Promise.all(
            running.map((candidate) => leaderAnswer(candidate.name)),
          );
          if (answers.some((answer) => answer === null)) return undefined;
          const known = answers as LeaderAnswer[];
          const acting = known.filter((answer) => answer.isSelf);
          const leader = acting[0];
          if (acting.length !== 1 || leader === undefined || exclude.includes(leader.self)) {
            return undefined;
          }
          return known.every((answer) => answer.id === leader.self) ? leader : undefined;
        },
        { timeoutMs: 30_000, what },
      );
    },
    logs: () =>
      members
        .map(
          (candidate) => `--- ${candidate.name}\n${candidate.child?.output().slice(-3000) ?? ''}`,
        )
        .join('\n'),
    async stop() {
      await Promise.all(members.map(async (candidate) => candidate.child?.kill('SIGKILL')));
    },
  };
}
