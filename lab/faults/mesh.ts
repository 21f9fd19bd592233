import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child } from '../child.js';
import type { LogLineCheck } from '../log-line-check.js';
import { watchProcessLog } from '../test-log-hooks.js';
import { NetnsLab } from '../netns.js';
import { cliPath, type LeaderAnswer } from '../sidecar-cluster.js';
import { TcpProxy } from '../tcp-proxy.js';
import { waitFor } from '../wait-for.js';
import { startBackendServer, type BackendServer, type ServerBackend } from './backend-server.js';

const httpPort = 4040;
const clockPreload = fileURLToPath(new URL('../clock-skew.mjs', import.meta.url));
/** `node` arguments that make a member the broken build whose leader ignores its lease. */
export const ignoreLeaseNodeArgs: readonly string[] = [
  '--import',
  fileURLToPath(new URL('../ignore-lease/preload.mjs', import.meta.url)),
];
const peerPort = 7946;

export interface MeshOptions {
  /** Names the lab's namespaces and links (see NetnsLab); unique per test file. */
  readonly prefix: string;
  /** The lab's subnet 10.77.<subnet>.0/24; unique per test file. */
  readonly subnet: number;
  /** Namespaces (possible members); with Raft, member i is "member-i". */
  readonly size: number;
  /** Raft: members started at once, each with the list of the first this many; default `size`. */
  readonly initialMembers?: number;
  /** Raft (default): a peer mesh. Otherwise `size` candidates on one server of that backend. */
  readonly backend?: 'raft' | ServerBackend;
  /** Raft only. */
  readonly heartbeatMs?: number;
  /** Raft: the election timeout. Other backends: lease TTL, session timeout or Lease duration. */
  readonly electionTimeoutMs?: number;
  /** Extra environment for every member. */
  readonly env?: Readonly<Record<string, string>>;
  /** Per-member extras: environment and `node` arguments placed before the CLI path. */
  readonly memberProcess?: (index: number) => MemberProcessOptions;
  /**
   * Loads the clock preload (lab/clock-skew.mjs) into every member at rate 1, so
   * `jumpWallClock` can make a member's wall clock jump.
   */
  readonly controlWallClocks?: boolean;
}

export interface MemberProcessOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
}

export interface MeshMember {
  readonly index: number;
  readonly id: string;
  /** Base URL of the member's HTTP API, reachable from the test process. */
  readonly url: string;
  readonly stateDir: string;
  child: Child | null;
  isPaused: boolean;
  /** Raft: the `--members` list its next process starts with. */
  members: readonly string[];
}

/**
 * `elector run` processes (the built CLI), each in its own network namespace: a Raft mesh, or
 * candidates on an etcd, ZooKeeper or test apiserver running in the test's namespace.
 * Every link goes through its own TcpProxy in the test process, so iptables rules on either
 * address pair cut it, and the proxy can add delay or stall it. Raft: member i reaches member j
 * at j's proxy address, and the proxy dials j from i's proxy address. Other backends: member i
 * reaches the server at its own backend address (see LabMember).
 */
export class FaultMesh {
  readonly directory = mkdtempSync(join(tmpdir(), 'elector-faults-'));
  readonly secretFile = join(this.directory, 'cluster-secret');
  readonly members: MeshMember[] = [];
  readonly heartbeatMs: number;
  /** Raft: the election timeout; other backends: the lease (see MeshOptions). */
  readonly electionTimeoutMs: number;
  readonly backend: 'raft' | ServerBackend;
  /** The backend server (not Raft), once started. */
  server: BackendServer | null = null;
  private readonly proxies = new Map<string, TcpProxy>();
  private readonly backendProxies = new Map<number, TcpProxy>();
  private readonly backendEnv = new Map<number, Record<string, string>>();
  /** One per process started, checking its stdout (its log) line by line; see test-log-hooks.ts. */
  private readonly logChecks = new Map<Child, LogLineCheck>();

  private readonly extraEnv: Readonly<Record<string, string>>;
  private readonly memberProcess: (index: number) => MemberProcessOptions;
  private readonly controlsWallClocks: boolean;

  private constructor(
    readonly lab: NetnsLab,
    options: MeshOptions,
  ) {
    this.extraEnv = options.env ?? {};
    this.memberProcess = options.memberProcess ?? (() => ({}));
    this.controlsWallClocks = options.controlWallClocks ?? false;
    this.backend = options.backend ?? 'raft';
    this.heartbeatMs = options.heartbeatMs ?? 100;
    this.electionTimeoutMs = options.electionTimeoutMs ?? (this.backend === 'raft' ? 500 : 2000);
    writeFileSync(this.secretFile, randomBytes(24).toString('hex'));
    const initial = Array.from(
      { length: options.initialMembers ?? options.size },
      (_, index) => `member-${index}`,
    );
    for (const labMember of lab.members) {
      const id = `member-${labMember.index}`;
      if (this.controlsWallClocks) writeFileSync(this.wallClockFile(labMember.index), '0\n');
      this.members.push({
        index: labMember.index,
        id,
        url: `http://${labMember.address}:${httpPort}`,
        stateDir: join(this.directory, id),
        child: null,
        isPaused: false,
        members: initial,
      });
    }
  }

  /** Builds the lab and the proxies, then starts every member. Cleans up if any step fails. */
  static async start(options: MeshOptions): Promise<FaultMesh> {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first`);
    const lab = await NetnsLab.create({
      prefix: options.prefix,
      size: options.size,
      subnet: options.subnet,
    });
    const mesh = new FaultMesh(lab, options);
    try {
      if (mesh.backend === 'raft') await mesh.startPeerProxies();
      else await mesh.startBackend(mesh.backend);
      const started = options.initialMembers ?? options.size;
      for (const member of mesh.members.slice(0, started)) mesh.startMember(member.index);
    } catch (error) {
      await mesh.stop();
      throw error;
    }
    return mesh;
  }

  private async startPeerProxies(): Promise<void> {
    for (const from of this.lab.members) {
      for (const to of this.lab.members) {
        if (from.index === to.index) continue;
        const proxy = await TcpProxy.start({
          listenHost: to.proxyAddress,
          listenPort: 0,
          targetHost: to.address,
          targetPort: peerPort,
          localAddress: from.proxyAddress,
        });
        this.proxies.set(`${from.index}->${to.index}`, proxy);
      }
    }
  }

  private async startBackend(backend: ServerBackend): Promise<void> {
    const server = await startBackendServer({
      backend,
      directory: this.directory,
      leaseMs: this.electionTimeoutMs,
    });
    this.server = server;
    for (const labMember of this.lab.members) {
      const proxy = await TcpProxy.start({
        listenHost: labMember.backendAddress,
        listenPort: 0,
        targetHost: '127.0.0.1',
        targetPort: server.port,
      });
      this.backendProxies.set(labMember.index, proxy);
      const env = await server.memberEnv(labMember.index, labMember.backendAddress, proxy.port);
      this.backendEnv.set(labMember.index, env);
    }
  }

  member(index: number): MeshMember {
    const member = this.members[index];
    if (member === undefined) throw new Error(`no member ${index}`);
    return member;
  }

  indexOf(id: string): number {
    const member = this.members.find((candidate) => candidate.id === id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member.index;
  }

  /** The proxy carrying what `from` sends to `to` (forward) and the answers (backward). */
  link(from: number, to: number): TcpProxy {
    const proxy = this.proxies.get(`${from}->${to}`);
    if (proxy === undefined) throw new Error(`no link ${from}->${to}`);
    return proxy;
  }

  /** Every peer proxy, keyed "from->to" (none on backends other than Raft). */
  links(): ReadonlyMap<string, TcpProxy> {
    return this.proxies;
  }

  /** The proxy carrying member `index`'s traffic to the backend server (forward) and back. */
  backendLink(index: number): TcpProxy {
    const proxy = this.backendProxies.get(index);
    if (proxy === undefined) throw new Error(`no backend link for member ${index}`);
    return proxy;
  }

  /** Starts the member's process; with `members`, with that `--members` list from now on. */
  startMember(index: number, members?: readonly string[]): Child {
    const member = this.member(index);
    if (member.child !== null) throw new Error(`${member.id} is running`);
    if (members !== undefined) member.members = members;
    const extras = this.clockControlOf(index, this.memberProcess(index));
    const child = this.lab.spawn(
      index,
      process.execPath,
      [...(extras.nodeArgs ?? []), cliPath, 'run'],
      {
        env: { ...this.environment(index), ...extras.env },
      },
    );
    member.child = child;
    this.logChecks.set(child, watchProcessLog(child, member.id));
    member.isPaused = false;
    void child.exited.then(() => {
      if (member.child === child) member.child = null;
    });
    return child;
  }

  /** Sends `signal` to the member's process (by its PID); resolves with the exit code or signal. */
  async kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    const member = this.member(index);
    const child = member.child;
    if (child === null) return 'not running';
    member.isPaused = false;
    return child.kill(signal);
  }

  /** SIGSTOP: the member freezes, its clock and sockets keep going (as a paused VM or GC). */
  pause(index: number): void {
    const member = this.member(index);
    if (member.child === null) throw new Error(`${member.id} is not running`);
    process.kill(member.child.pid, 'SIGSTOP');
    member.isPaused = true;
  }

  resume(index: number): void {
    const member = this.member(index);
    if (member.child === null || !member.isPaused) return;
    process.kill(member.child.pid, 'SIGCONT');
    member.isPaused = false;
  }

  /**
   * Sets member `index`'s wall clock `offsetMs` away from real time (0 puts it back), as an NTP
   * step would; its monotonic clock is untouched. Needs `controlWallClocks` and a member that
   * has answered over HTTP since it started (before its preload runs, SIGUSR2 would end it).
   */
  jumpWallClock(index: number, offsetMs: number): void {
    if (!this.controlsWallClocks) throw new Error('jumpWallClock needs controlWallClocks');
    const member = this.member(index);
    writeFileSync(this.wallClockFile(index), `${Math.round(offsetMs)}\n`);
    rmSync(`${this.wallClockFile(index)}.seen`, { force: true });
    if (member.child !== null) process.kill(member.child.pid, 'SIGUSR2');
  }

  /**
   * How far member `index`'s Date.now() was from real time when it took in its last jump, as
   * the process itself wrote it (lab/clock-skew.mjs); null until it has answered that jump.
   */
  wallClockOffsetSeen(index: number): number | null {
    const file = `${this.wallClockFile(index)}.seen`;
    if (!existsSync(file)) return null;
    const text = readFileSync(file, 'utf8');
    // Written in one call, but it may be caught half-way: only a whole line counts.
    return text.endsWith('\n') ? Number(text.trim()) : null;
  }

  private wallClockFile(index: number): string {
    return join(this.directory, `wall-clock-offset-${index}`);
  }

  private clockControlOf(index: number, extras: MemberProcessOptions): MemberProcessOptions {
    if (!this.controlsWallClocks) return extras;
    const nodeArgs = extras.nodeArgs ?? [];
    return {
      nodeArgs: nodeArgs.includes(clockPreload)
        ? nodeArgs
        : ['--import', clockPreload, ...nodeArgs],
      env: {
        ELECTOR_TEST_CLOCK_RATE: '1',
        ELECTOR_TEST_WALL_CLOCK_FILE: this.wallClockFile(index),
        ...extras.env,
      },
    };
  }

  async leaderAnswer(index: number): Promise<LeaderAnswer | null> {
    try {
      const response = await fetch(`${this.member(index).url}/leader`, {
        signal: AbortSignal.timeout(1000),
      });
      return (await response.json()) as LeaderAnswer;
    } catch {
      // Down, paused or cut off: the caller treats "no answer" as "not agreed yet".
      return null;
    }
  }

  /** Resolves with the acting leader once every running member names it and it alone acts. */
  async waitForAgreedLeader(what: string, timeoutMs = 10_000): Promise<LeaderAnswer> {
    return waitFor(
      async () => {
        const running = this.members.filter((member) => member.child !== null);
        const answers = await Promise.all(running.map((member) => this.leaderAnswer(member.index)));
        if (answers.some((answer) => answer === null)) return undefined;
        const known = answers as LeaderAnswer[];
        const acting = known.filter((answer) => answer.isSelf);
        const leader = acting[0];
        if (acting.length !== 1 || leader === undefined) return undefined;
        const agreed = known.every(
          (answer) => answer.id === leader.self && answer.fencingToken === leader.fencingToken,
        );
        return agreed ? leader : undefined;
      },
      { timeoutMs, what },
    );
  }

  /** The tail of every member's log (and the server's), for failure messages. */
  logs(characters = 3000): string {
    const members = this.members.map(
      (member) =>
        `--- ${member.id}\n${member.child?.output().slice(-characters) ?? '(not running)'}`,
    );
    const server = this.server === null ? [] : [`--- ${this.backend}\n${this.server.logs()}`];
    return [...members, ...server].join('\n');
  }

  /**
   * Kills every member (by PID), waits until their last output is read (and checked, see
   * test-log-hooks.ts), stops the proxies, removes the lab and the temp directory.
   */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map((member) => member.child?.kill('SIGKILL') ?? Promise.resolve('not running')),
    );
    await Promise.all([...this.logChecks.keys()].map((child) => child.closed));
    const proxies = [...this.proxies.values(), ...this.backendProxies.values()];
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    this.server?.resume?.();
    await this.server?.stop();
    await this.lab.destroy();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private environment(index: number): Record<string, string> {
    const self = this.lab.member(index);
    if (this.backend !== 'raft') {
      return {
        PATH: process.env.PATH ?? '',
        ELECTOR_ID: `member-${index}`,
        ELECTOR_HTTP_HOST: self.address,
        ELECTOR_HTTP_PORT: String(httpPort),
        ELECTOR_ADVERTISE_ADDRESS: `${self.address}:${httpPort}`,
        ELECTOR_ELECTION: 'faults',
        ...this.backendEnv.get(index),
        ...this.extraEnv,
      };
    }
    const peers = this.lab.members.map((other) =>
      other.index === index
        ? `member-${index}=${self.address}:${peerPort}`
        : `member-${other.index}=${other.proxyAddress}:${this.link(index, other.index).port}`,
    );
    return {
      PATH: process.env.PATH ?? '',
      ELECTOR_ID: `member-${index}`,
      ELECTOR_MEMBERS: this.member(index).members.join(','),
      ELECTOR_PEERS: peers.join(','),
      ELECTOR_PEER_HTTP_ADDRESSES: this.lab.members
        .map((other) => `member-${other.index}=${other.address}:${httpPort}`)
        .join(','),
      ELECTOR_PEER_HOST: self.address,
      ELECTOR_PEER_PORT: String(peerPort),
      ELECTOR_HTTP_HOST: self.address,
      ELECTOR_HTTP_PORT: String(httpPort),
      ELECTOR_CLUSTER_SECRET_FILE: this.secretFile,
      ELECTOR_STATE_DIR: this.member(index).stateDir,
      ELECTOR_ELECTION: 'faults',
      ELECTOR_HEARTBEAT_INTERVAL: `${this.heartbeatMs}ms`,
      ELECTOR_ELECTION_TIMEOUT: `${this.electionTimeoutMs}ms`,
      ...this.extraEnv,
    };
  }
}
