// A test kube-apiserver that follows the real API's semantics closely enough for kubectl and
// @kubernetes/client-node: discovery, CRUD with resourceVersion preconditions, the four patch
// types, watches with 410 Expired, metav1.Status errors, validation, bearer tokens and RBAC.
//
// Example:
//   const server = await startKubeApiServer();
//   await server.writeKubeconfig(kubeconfigPath);
//   // ... run kubectl --kubeconfig kubeconfigPath / client-node against server.url ...
//   await server.close();
import { Authenticator, type KubeUser } from './auth.js';
import type { RequestMatcher } from './faults.js';
import { cloneJson, metadataOf, objectAt, stringAt, type JsonObject } from './json.js';
import { writeKubeconfigFile, type KubeconfigOptions } from './kubeconfig.js';
import { Registry } from './registry.js';
import { resourceTypes, type ResourceType } from './resources.js';
import { HttpFrontend, type RecordedRequest } from './server.js';
import { ObjectStore } from './store.js';
import { createServingCertificate } from './tls.js';
import { ClusterIpAllocator } from './type-rules.js';

export { serviceAccountUserName, type KubeUser, type PolicyRule } from './auth.js';
export type { RequestMatcher } from './faults.js';
export type { JsonObject } from './json.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export type { RecordedRequest } from './server.js';
export interface KubeApiServerOptions {
  /**
   * Users known by bearer token, besides the built-in admin (adminToken). A request with an
   * unknown token is 401; one without a token is an all-powerful anonymous user unless
   * requireAuthentication is set.
   */
  readonly users?: readonly KubeUser[];
  /** When true, a request without a token is 401 Unauthorized (default false). */
  readonly requireAuthentication?: boolean;
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  readonly namespaces?: readonly string[];
  /** How many writes the watch history keeps before older resourceVersions expire (default 1000). */
  readonly watchHistoryLimit?: number;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (default 60000; 0: never). */
  readonly bookmarkIntervalMs?: number;
  /** Upper bound on a watch's life, as the real --min-request-timeout (default 1800). */
  readonly maxWatchTimeoutSeconds?: number;
  /**
   * Serve HTTPS with a fresh self-signed certificate (needs the openssl CLI). kubectl sends
   * bearer tokens only to HTTPS servers, so kubectl tests of tokens and RBAC need this.
   */
  readonly tls?: boolean;
}

/** Pod phases (core/v1 PodPhase). */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

function typeOf(resource: string): ResourceType {
  const dot = resource.indexOf('.');
  const plural = dot < 0 ? resource : resource.slice(0, dot);
  const group = dot < 0 ? '' : resource.slice(dot + 1);
  const type = resourceTypes.find(
    (candidate) => candidate.plural === plural && candidate.group === group,
  );
  if (type === undefined) {
    const known = resourceTypes.map((candidate) =>
      candidate.group === '' ? candidate.plural : `${candidate.plural}.${candidate.group}`,
    );
    throw new Error(
      `test apiserver: unknown resource "${resource}"; expected one of ${known.join(', ')}`,
    );
  }
  return type;
}

function typeOfObject(object: JsonObject): ResourceType {
  const apiVersion = stringAt(object, 'apiVersion') ?? '';
  const kind = stringAt(object, 'kind') ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const type = resourceTypes.find(
    (candidate) =>
      candidate.group === group && candidate.version === version && candidate.kind === kind,
  );
  if (type === undefined)
    throw new Error(
      `test apiserver: no served type for apiVersion "${apiVersion}", kind "${kind}"`,
    );
  return type;
}

/** A running test apiserver. Accessors bypass authentication, RBAC and faults, not validation. */
export class KubeApiServer {
  private constructor(
    /** e.g. "http://127.0.0.1:40123". */
    readonly url: string,
    /** The PEM certificate clients must trust (it is its own CA), or undefined over HTTP. */
    readonly certificateAuthority: string | undefined,
    private readonly frontend: HttpFrontend,
    private readonly registry: Registry,
    private readonly store: ObjectStore,
  ) {}

  /** @internal Use startKubeApiServer. */
  static async start(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const store = new ObjectStore(options.watchHistoryLimit ?? 1000);
    const registry = new Registry(store, new ClusterIpAllocator());
    const authenticator = new Authenticator(
      options.users ?? [],
      options.requireAuthentication ?? false,
    );
    const certificate = options.tls === true ? await createServingCertificate() : undefined;
    const frontend = new HttpFrontend(
      registry,
      store,
      authenticator,
      {
        bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
        maxWatchTimeoutSeconds: options.maxWatchTimeoutSeconds ?? 1800,
      },
      certificate,
    );
    const server = new KubeApiServer('', undefined, frontend, registry, store);
    for (const name of options.namespaces ?? [
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
    ]) {
      server.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    const port = await frontend.listen();
    const scheme = certificate === undefined ? 'http' : 'https';
    return new KubeApiServer(
      `${scheme}://127.0.0.1:${port}`,
      certificate?.cert,
      frontend,
      registry,
      store,
    );
  }

  /** Writes a kubeconfig for this server (JSON, which kubectl and client-node read as YAML). */
  async writeKubeconfig(path: string, options: KubeconfigOptions = {}): Promise<void> {
    await writeKubeconfigFile(path, this.url, options, this.certificateAuthority);
  }

  /** Ends watches, cuts connections and stops listening. Safe to call twice. */
  async close(): Promise<void> {
    await this.frontend.close();
  }

  /** The object (served form), or undefined. `resource` is "pods", "leases.coordination.k8s.io", ... */
  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    const type = typeOf(resource);
    const stored = this.store.get(type.storage, type.namespaced ? namespace : '', name);
    return stored === undefined
      ? undefined
      : this.registry.get(type, type.namespaced ? namespace : '', name);
  }

  /** The objects of a resource, in one namespace or (undefined) all of them, sorted by key. */
  list(resource: string, namespace?: string): JsonObject[] {
    const type = typeOf(resource);
    return this.store.list(type.storage, namespace).map((stored) => {
      const metadata = metadataOf(stored);
      return this.registry.get(
        type,
        stringAt(metadata, 'namespace') ?? '',
        stringAt(metadata, 'name') ?? '',
      );
    });
  }

  /**
   * Creates or replaces an object (typed by its apiVersion and kind) as the API would, except
   * that its status, if given, is written too (as through /status). Throws ApiError when the
   * API would reject it. Returns the stored object.
   */
  put(object: JsonObject): JsonObject {
    const type = typeOfObject(object);
    const copy = cloneJson(object);
    const metadata = metadataOf(copy);
    delete metadata.resourceVersion;
    const namespace = type.namespaced ? (stringAt(metadata, 'namespace') ?? 'default') : '';
    const name = stringAt(metadata, 'name') ?? '';
    const written =
      this.store.get(type.storage, namespace, name) === undefined
        ? this.registry.create(type, namespace, copy, 'Strict').object
        : this.registry.update(type, namespace, name, copy, '', 'Strict').object;
    const status = objectAt(copy, 'status');
    if (status === undefined || !type.hasStatusSubresource) return written;
    return this.registry.update(type, namespace, name, { ...written, status }, 'status', 'Ignore')
      .object;
  }

  /** Deletes an object as DELETE would (finalizers respected); false when there was none. */
  delete(resource: string, namespace: string, name: string): boolean {
    const type = typeOf(resource);
    if (this.store.get(type.storage, type.namespaced ? namespace : '', name) === undefined)
      return false;
    this.registry.delete(type, type.namespaced ? namespace : '', name, {});
    return true;
  }

  /** Sets a pod's status.phase (and its Ready condition) as a kubelet would; throws if absent. */
  setPodPhase(namespace: string, name: string, phase: PodPhase): JsonObject {
    const pods = typeOf('pods');
    const pod = this.registry.get(pods, namespace, name);
    const isReady = phase === 'Running';
    const status: JsonObject = {
      ...(objectAt(pod, 'status') ?? {}),
      phase,
      conditions: [
        {
          type: 'Ready',
          status: isReady ? 'True' : 'False',
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
    };
    return this.registry.update(pods, namespace, name, { ...pod, status }, 'status', 'Ignore')
      .object;
  }

  /** A pod's status.phase, or undefined when the pod does not exist. */
  podPhase(namespace: string, name: string): string | undefined {
    return stringAt(objectAt(this.get('pods', namespace, name) ?? {}, 'status'), 'phase');
  }

  /** The latest resourceVersion (the global write counter), as a string. */
  currentResourceVersion(): string {
    return String(this.store.currentRevision());
  }

  /** Forgets the watch history: a watch from any earlier resourceVersion gets 410 Expired. */
  compactHistory(): void {
    this.store.compact();
  }

  /** The next `count` requests matching `matcher` are answered with a Status of `code`. */
  failNext(count: number, code: number, matcher: RequestMatcher = {}): void {
    this.frontend.faults.failNext(count, code, matcher);
  }

  /** Every response waits `delayMs` first; 0 turns it off. */
  delayResponses(delayMs: number): void {
    this.frontend.faults.delayResponses(delayMs);
  }

  clearFaults(): void {
    this.frontend.faults.clear();
  }

  /** Simulates an outage: closes the listener and cuts all connections (ECONNREFUSED after). */
  async refuseConnections(): Promise<void> {
    await this.frontend.stopListening();
  }

  /** Ends the outage: listens again on the same port. Objects are kept. */
  async acceptConnections(): Promise<void> {
    await this.frontend.listen();
  }

  /** Ends every running watch (clients see the stream close and must re-watch). */
  endWatches(): void {
    this.frontend.endWatches();
  }

  /** How many watch streams are open now (wait on this instead of sleeping). */
  activeWatchCount(): number {
    return this.frontend.activeWatchCount();
  }

  /** Adds or replaces a token's user (rules take effect for the next request). */
  setUser(user: KubeUser): void {
    this.frontend.authenticator.setUser(user);
  }

  removeUser(token: string): void {
    this.frontend.authenticator.removeUser(token);
  }

  /** The requests answered so far, oldest first. */
  requests(): readonly RecordedRequest[] {
    return [...this.frontend.recorded];
  }

  clearRequests(): void {
    this.frontend.recorded.length = 0;
  }
}

/** Starts a test apiserver on 127.0.0.1 and a free port; close() it when done. */
export async function startKubeApiServer(
  options: KubeApiServerOptions = {},
): Promise<KubeApiServer> {
  return KubeApiServer.start(options);
}
