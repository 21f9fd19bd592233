// Plays StatefulSet controller and kubelet for the elector container of a rendered StatefulSet:
// creates its pods in the test apiserver, gives each process exactly the environment the pod spec
// gives the container (downward API fieldRefs, secretKeyRefs, $(VAR) expansion, volume mounts
// materialised under a temp dir), and runs the image's command against the built dist/. Applying
// a changed StatefulSet rolls it as the controller does (podManagementPolicy Parallel,
// RollingUpdate): new ordinals are created and condemned ones deleted at once, then pods whose
// template changed are replaced one at a time from the highest ordinal down, each only after the
// one before is ready. A replaced pod keeps its volumes, as a PersistentVolumeClaim does.
//
// What loopback forces is rewritten, and listed in `rewritten`: the HTTP and peer ports (all
// members share 127.0.0.1, so each gets free ones), ELECTOR_PEERS and
// ELECTOR_PEER_HTTP_ADDRESSES (there is no DNS for the peer host template, so every pod the test
// may create, up to `pool`, is named statically), ELECTOR_KUBECONFIG (there is no in-cluster service-account mount; the kubeconfig
// carries a token whose rights are exactly the rendered Role's), and every path under a volume
// mount (it points into the member's temp dir instead).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repositoryRoot } from '../../../lab/helm.js';
import { startChild, type Child } from '../../../lab/child.js';
import { watchProcessLog } from '../../../lab/test-log-hooks.js';
import { freePorts } from '../../../lab/free-port.js';
import {
  serviceAccountUserName,
  type JsonObject,
  type PolicyRule,
} from '../../../lab/kube-apiserver/index.js';
import type { LeaderAnswer } from '../../../lab/sidecar-cluster.js';
import { waitFor } from '../../../lab/wait-for.js';
import type { TestCluster } from './cluster.js';
import { containerProcess, shippedImageConfig } from './image-config.js';
import {
  listOf,
  roleBindingSchema,
  roleSchema,
  secretSchema,
  type Container,
  type PodSpec,
  type StatefulSet,
  type Volume,
} from './objects.js';
import { resolveEnv } from './pod-env.js';

export interface MemberPod {
  readonly name: string;
  readonly httpPort: number;
  /** The environment the pod spec gives the container, resolved as the kubelet would. */
  podEnv: Readonly<Record<string, string>>;
  /** What the process got: podEnv with the loopback rewrites. */
  env: Readonly<Record<string, string>>;
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
  /** The most pods any applied StatefulSet will have (ports are reserved for them); default its replicas. */
  readonly pool?: number;
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

/** Where the kubelet mounts the service account token; in-cluster clients read it there. */
const serviceAccountTokenPath = '/var/run/secrets/kubernetes.io/serviceaccount';

function isServiceAccountTokenVolume(volume: Volume | undefined): boolean {
  return (volume?.projected?.sources ?? []).some(
    (source) => source.serviceAccountToken !== undefined,
  );
}

/**
 * Whether the kubelet gives `container` a service account token: the automatic mount (unless
 * the pod turns it off or the container mounts something there itself), or a projected
 * serviceAccountToken volume the container mounts at the standard path.
 */
export function hasServiceAccountToken(podSpec: PodSpec, container: Container): boolean {
  const atTokenPath = (container.volumeMounts ?? []).find(
    (mount) => mount.mountPath === serviceAccountTokenPath,
  );
  if (atTokenPath === undefined) return podSpec.automountServiceAccountToken !== false;
  return isServiceAccountTokenVolume(
    podSpec.volumes?.find((volume) => volume.name === atTokenPath.name),
  );
}

/** Creates the StatefulSet's pods (Running) and starts their elector containers. */
export async function startStatefulSetPods(options: StartOptions): Promise<PodGroup> {
  return StatefulSetController.start(options);
}

interface Ports {
  readonly http: number;
  readonly peer: number;
}

/** A StatefulSet's pods as processes; see the file comment. */
export class StatefulSetController implements PodGroup {
  readonly members: MemberPod[] = [];
  private readonly rewrittenKeys = new Set<string>();
  private readonly templateOf = new Map<string, string>();
  private kubeconfig: string | null = null;

  private constructor(
    private readonly options: StartOptions,
    private statefulSet: StatefulSet,
    private readonly ports: readonly Ports[],
  ) {}

  static async start(options: StartOptions): Promise<StatefulSetController> {
    const pool = Math.max(options.pool ?? 0, options.statefulSet.spec.replicas);
    const free = await freePorts(pool * 2);
    const ports = Array.from({ length: pool }, (_, index) => ({
      http: free[index * 2] ?? 0,
      peer: free[index * 2 + 1] ?? 0,
    }));
    const controller = new StatefulSetController(options, options.statefulSet, ports);
    for (let ordinal = 0; ordinal < options.statefulSet.spec.replicas; ordinal++) {
      await controller.createPod(ordinal);
    }
    return controller;
  }

  get rewritten(): readonly string[] {
    return [...this.rewrittenKeys].sort();
  }

  private get namespace(): string {
    return this.statefulSet.metadata.namespace;
  }

  private nameOf(ordinal: number): string {
    return `${this.statefulSet.metadata.name}-${ordinal}`;
  }

  private container(): Container {
    const name = this.options.containerName ?? 'elector';
    const container = this.statefulSet.spec.template.spec.containers.find(
      (candidate) => candidate.name === name,
    );
    if (container === undefined) throw new Error(`the pod template has no ${name} container`);
    return container;
  }

  /**
   * Rolls the pods to `next` as the StatefulSet controller would, resolving once every pod runs
   * the new template and is ready. `onStep` hears each step before it is taken.
   */
  async apply(next: StatefulSet, onStep: (step: string) => void = () => undefined): Promise<void> {
    const previous = this.statefulSet.spec.replicas;
    this.statefulSet = next;
    const replicas = next.spec.replicas;
    if (replicas > this.ports.length) throw new Error(`pool ${this.ports.length} < ${replicas}`);
    for (let ordinal = previous; ordinal < replicas; ordinal++) {
      onStep(`create ${this.nameOf(ordinal)}`);
      await this.createPod(ordinal);
    }
    await Promise.all(
      this.members
        .filter((member) => this.ordinalOf(member.name) >= replicas && member.child !== null)
        .map(async (member) => {
          onStep(`delete ${member.name}`);
          await member.child?.kill('SIGTERM');
          this.options.cluster.server.delete('pods', this.namespace, member.name);
        }),
    );
    const template = JSON.stringify(next.spec.template);
    for (let ordinal = replicas - 1; ordinal >= 0; ordinal--) {
      const name = this.nameOf(ordinal);
      if (this.templateOf.get(name) === template) continue;
      onStep(`replace ${name}`);
      await this.member(name).child?.kill('SIGTERM');
      this.options.cluster.server.delete('pods', this.namespace, name);
      await this.createPod(ordinal);
      await this.waitReady(name);
    }
  }

  /** The HTTP API of the pod with this ordinal, whether it exists yet or not. */
  urlOf(ordinal: number): string {
    return `http://127.0.0.1:${this.ports[ordinal]?.http ?? 0}`;
  }

  private ordinalOf(name: string): number {
    return Number(name.slice(name.lastIndexOf('-') + 1));
  }

  private async waitReady(name: string): Promise<void> {
    const { httpPort } = this.member(name);
    await waitFor(
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`, {
            signal: AbortSignal.timeout(1000),
          });
          return response.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, what: `${name} to be ready (GET /readyz 200)` },
    );
  }

  /** Creates (or re-creates) the pod object of `ordinal` and starts its elector process. */
  private async createPod(ordinal: number): Promise<void> {
    const { cluster } = this.options;
    const { statefulSet, namespace } = this;
    const template = statefulSet.spec.template;
    const name = this.nameOf(ordinal);
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
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: statefulSet.metadata.name,
            uid: statefulSet.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
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
    const { podEnv, env } = await this.environmentOf(name, ordinal);
    const { file, args } = containerProcess(shippedImageConfig(), this.container());
    const child = startChild(file, [...args], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    watchProcessLog(child, name);
    const known = this.members.find((member) => member.name === name);
    const member: MemberPod = known ?? {
      name,
      httpPort: this.ports[ordinal]?.http ?? 0,
      podEnv,
      env,
      child: null,
      isRunning: false,
    };
    if (known === undefined) this.members.push(member);
    member.podEnv = podEnv;
    member.env = env;
    member.child = child;
    member.isRunning = true;
    this.templateOf.set(name, JSON.stringify(template));
    void child.exited.then(() => {
      if (member.child === child) member.isRunning = false;
    });
  }

  private async environmentOf(
    name: string,
    ordinal: number,
  ): Promise<{ podEnv: Record<string, string>; env: Record<string, string> }> {
    const { cluster, directory } = this.options;
    const { namespace } = this;
    const template = this.statefulSet.spec.template;
    const container = this.container();
    const serviceAccountName = template.spec.serviceAccountName ?? 'default';
    const readSecret = (secretName: string, key: string): string => {
      const secret = secretSchema.parse(cluster.server.get('secrets', namespace, secretName));
      const value = secret.data?.[key];
      if (value === undefined) throw new Error(`secret ${secretName} has no key ${key}`);
      return Buffer.from(value, 'base64').toString('utf8');
    };
    const podDirectory = join(directory, name);
    const podEnv = resolveEnv(
      container.env ?? [],
      {
        name,
        namespace,
        serviceAccountName,
        podIp: '127.0.0.1',
        labels: template.metadata.labels ?? {},
      },
      readSecret,
      shippedImageConfig().env,
    );
    const env: Record<string, string> = { ...podEnv };
    for (const mount of container.volumeMounts ?? []) {
      const local = join(podDirectory, 'volumes', mount.name);
      await mkdir(local, { recursive: true });
      const volume = template.spec.volumes?.find((candidate) => candidate.name === mount.name);
      if (isServiceAccountTokenVolume(volume)) {
        // Stands in as the kubeconfig below; the process has no in-cluster mount path.
      } else if (volume?.secret !== undefined) {
        for (const item of volume.secret.items ?? []) {
          const file = join(local, item.path);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, readSecret(volume.secret.secretName, item.key));
        }
      } else if (
        volume?.emptyDir === undefined &&
        !(this.statefulSet.spec.volumeClaimTemplates ?? []).some(
          (claim) => claim.metadata.name === mount.name,
        )
      ) {
        throw new Error(
          `volume ${mount.name} is neither a Secret, an emptyDir, a claim nor a service account token`,
        );
      }
      for (const [key, value] of Object.entries(env)) {
        if (value === mount.mountPath || value.startsWith(`${mount.mountPath}/`)) {
          env[key] = local + value.slice(mount.mountPath.length);
        }
      }
    }
    const ports = this.ports[ordinal] ?? { http: 0, peer: 0 };
    env.ELECTOR_HTTP_PORT = String(ports.http);
    if (env.ELECTOR_MEMBERS !== undefined) {
      const staticList = (pick: keyof Ports): string =>
        this.ports
          .map((entry, index) => `${this.nameOf(index)}=127.0.0.1:${entry[pick]}`)
          .join(',');
      env.ELECTOR_PEER_PORT = String(ports.peer);
      env.ELECTOR_PEERS = staticList('peer');
      env.ELECTOR_PEER_HTTP_ADDRESSES = staticList('http');
    }
    const kubeconfig = hasServiceAccountToken(template.spec, container)
      ? await this.serviceAccountKubeconfig(serviceAccountName)
      : null;
    if (kubeconfig !== null) env.ELECTOR_KUBECONFIG = kubeconfig;
    for (const key of Object.keys(env)) if (env[key] !== podEnv[key]) this.rewrittenKeys.add(key);
    return { podEnv, env };
  }

  /** The service account's token, with exactly the rights the rendered RoleBindings give it. */
  private async serviceAccountKubeconfig(serviceAccountName: string): Promise<string> {
    if (this.kubeconfig !== null) return this.kubeconfig;
    const { cluster, directory } = this.options;
    const token = `token-${this.namespace}-${serviceAccountName}`;
    cluster.server.setUser({
      token,
      name: serviceAccountUserName(this.namespace, serviceAccountName),
      namespace: this.namespace,
      rules: await rulesOf(cluster, this.namespace, serviceAccountName),
    });
    const path = join(directory, 'service-account-kubeconfig');
    await cluster.server.writeKubeconfig(path, { token, namespace: this.namespace });
    this.kubeconfig = path;
    return path;
  }

  member(name: string): MemberPod {
    const found = this.members.find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no member ${name}`);
    return found;
  }

  async leaderAnswer(name: string): Promise<LeaderAnswer | null> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.member(name).httpPort}/leader`, {
        signal: AbortSignal.timeout(1000),
      });
      return (await response.json()) as LeaderAnswer;
    } catch {
      return null;
    }
  }

  async waitForAgreedLeader(what: string, exclude: readonly string[] = []): Promise<LeaderAnswer> {
    return waitFor(
      async () => {
        const running = this.members.filter((candidate) => candidate.isRunning);
        const answers = await Promise.all(
          running.map((candidate) => this.leaderAnswer(candidate.name)),
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
  }

  readonly logs = (): string =>
    this.members
      .map((candidate) => `--- ${candidate.name}\n${candidate.child?.output().slice(-3000) ?? ''}`)
      .join('\n');

  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (candidate) => candidate.child?.kill('SIGKILL')));
    // The last lines are read, and checked, once each process's output has closed.
    await Promise.all(this.members.map(async (candidate) => candidate.child?.closed));
  }
}
