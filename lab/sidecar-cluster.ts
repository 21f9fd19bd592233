import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './child.js';
import { freePorts } from './free-port.js';
import type { LogLineCheck } from './log-line-check.js';
import { watchProcessLog } from './test-log-hooks.js';
import { waitFor } from './wait-for.js';

export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface LeaderAnswer {
  readonly id: string | null;
  readonly address: string | null;
  readonly fencingToken: number | null;
  readonly term: number;
  readonly leaseExpiresAt: string | null;
  readonly isSelf: boolean;
  readonly self: string;
  readonly backend: string;
  readonly election: string;
}

export interface MemberProcess {
  readonly id: string;
  readonly httpPort: number;
  readonly peerPort: number;
  readonly stateDir: string;
  child: Child | null;
  extraEnv: Record<string, string>;
  /** Raft: the `--members` list the member's next process starts with. */
  members: readonly string[];
  /** How the member's last process ended (by a signal or on its own), with its last output; null until one has. */
  lastExit: { readonly code: number | string; readonly output: string } | null;
}

export interface ClusterOptions {
  /** Members started at once (member-0 .. member-<size-1>), each with that list. */
  readonly size: number;
  /** Raft: members that may be started later (their ports are reserved); default `size`. */
  readonly pool?: number;
  /** raft (default): a mesh of `size` members; another backend: `size` candidates on it. */
  readonly backend?: 'raft' | 'etcd' | 'zookeeper' | 'kubernetes';
  readonly env?: Record<string, string>;
  readonly heartbeat?: string;
  readonly electionTimeout?: string;
}

/** N `elector run` processes (the built CLI) forming one Raft mesh on 127.0.0.1. */
export class SidecarCluster {
  readonly directory = mkdtempSync(join(tmpdir(), 'elector-e2e-'));
  readonly secretFile = join(this.directory, 'cluster-secret');
  readonly members: MemberProcess[] = [];
  /** One per process started, checking its stdout (its log) line by line; see test-log-hooks.ts. */
  private readonly logChecks = new Map<Child, LogLineCheck>();

  private constructor(private readonly options: ClusterOptions) {
    writeFileSync(this.secretFile, randomBytes(24).toString('hex'));
  }

  static async start(options: ClusterOptions): Promise<SidecarCluster> {
    const cluster = new SidecarCluster(options);
    const pool = Math.max(options.pool ?? options.size, options.size);
    const ports = await freePorts(pool * 2);
    const initial = Array.from({ length: options.size }, (_, index) => `member-${index}`);
    for (let index = 0; index < pool; index++) {
      const id = `member-${index}`;
      cluster.members.push({
        id,
        httpPort: ports[index * 2] ?? 0,
        peerPort: ports[index * 2 + 1] ?? 0,
        stateDir: join(cluster.directory, id),
        child: null,
        extraEnv: {},
        members: initial,
        lastExit: null,
      });
    }
    for (const id of initial) cluster.startMember(id);
    return cluster;
  }

  member(id: string): MemberProcess {
    const member = this.members.find((candidate) => candidate.id === id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member;
  }

  environment(member: MemberProcess): Record<string, string> {
    const backend = this.options.backend ?? 'raft';
    const common = {
      PATH: process.env.PATH ?? '',
      ELECTOR_ID: member.id,
      ELECTOR_BACKEND: backend,
      ELECTOR_HTTP_HOST: '127.0.0.1',
      ELECTOR_HTTP_PORT: String(member.httpPort),
      ELECTOR_ADVERTISE_ADDRESS: `127.0.0.1:${member.httpPort}`,
      ELECTOR_ELECTION: 'e2e',
    };
    if (backend !== 'raft') return { ...common, ...this.options.env, ...member.extraEnv };
    return {
      ...common,
      ELECTOR_MEMBERS: member.members.join(','),
      ELECTOR_PEERS: this.members
        .map((other) => `${other.id}=127.0.0.1:${other.peerPort}`)
        .join(','),
      ELECTOR_PEER_HTTP_ADDRESSES: this.members
        .map((other) => `${other.id}=127.0.0.1:${other.httpPort}`)
        .join(','),
      ELECTOR_PEER_HOST: '127.0.0.1',
      ELECTOR_PEER_PORT: String(member.peerPort),
      ELECTOR_HTTP_HOST: '127.0.0.1',
      ELECTOR_HTTP_PORT: String(member.httpPort),
      ELECTOR_CLUSTER_SECRET_FILE: this.secretFile,
      ELECTOR_STATE_DIR: member.stateDir,
      ELECTOR_ELECTION: 'e2e',
      ELECTOR_HEARTBEAT_INTERVAL: this.options.heartbeat ?? '100ms',
      ELECTOR_ELECTION_TIMEOUT: this.options.electionTimeout ?? '500ms',
      ...this.options.env,
      ...member.extraEnv,
    };
  }

  /** Starts the member's process; with `members`, with that `--members` list from now on. */
  startMember(id: string, extraArgs: readonly string[] = [], members?: readonly string[]): Child {
    const member = this.member(id);
    if (member.child !== null) throw new Error(`${id} is running`);
    if (members !== undefined) member.members = members;
    const child = startChild(process.execPath, [cliPath, 'run', ...extraArgs], {
      env: this.environment(member),
    });
    member.child = child;
    this.logChecks.set(child, watchProcessLog(child, id));
    void child.exited.then((code) => {
      member.lastExit = { code, output: child.output().slice(-4000) };
      if (member.child === child) member.child = null;
    });
    return child;
  }

  /**
   * Signals the member's process and resolves with how it ended; rejects, quoting the lines, when
   * any line it logged is not a strict JSON object (a key twice, say).
   */
  async stopMember(id: string, signal: NodeJS.Signals): Promise<number | string> {
    const child = this.member(id).child;
    if (child === null) return 'not running';
    const code = await child.kill(signal);
    await child.closed;
    const report = this.logChecks.get(child)?.takeReport() ?? null;
    if (report !== null) throw new Error(report);
    return code;
  }

  running(): MemberProcess[] {
    return this.members.filter((member) => member.child !== null);
  }

  async leaderAnswer(id: string): Promise<LeaderAnswer | null> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.member(id).httpPort}/leader`, {
        signal: AbortSignal.timeout(1000),
      });
      return (await response.json()) as LeaderAnswer;
    } catch {
      return null;
    }
  }

  /** Resolves with the acting leader once every running member agrees on it, and exactly one says it acts. */
  async waitForAgreedLeader(
    what: string,
    timeoutMs = 30_000,
    exclude: readonly string[] = [],
  ): Promise<LeaderAnswer> {
    return waitFor(
      async () => {
        const running = this.running();
        const answers = await Promise.all(running.map((member) => this.leaderAnswer(member.id)));
        // Not yet: thrown rather than returned, so that a timeout says what each member answered.
        const notYet = (why: string): Error =>
          new Error(`${why}; ${this.describeAnswers(running, answers)}`);
        if (answers.some((answer) => answer === null)) throw notYet('a member did not answer');
        const known = answers as LeaderAnswer[];
        const acting = known.filter((answer) => answer.isSelf);
        const leader = acting[0];
        if (acting.length !== 1 || leader === undefined || exclude.includes(leader.self))
          throw notYet(`${acting.length} acting`);
        if (
          !known.every(
            (answer) => answer.id === leader.self && answer.fencingToken === leader.fencingToken,
          )
        )
          throw notYet('members disagree');
        return leader;
      },
      { timeoutMs, what },
    );
  }

  /** What each of `members` answered on /leader, and which members have stopped and how. */
  private describeAnswers(
    members: readonly MemberProcess[],
    answers: readonly (LeaderAnswer | null)[],
  ): string {
    const answered = members.map(({ id }, index) => {
      const answer = answers[index] ?? null;
      if (answer === null) return `${id}: no answer`;
      const acting = answer.isSelf ? ', acting' : '';
      return `${id}: leader ${answer.id ?? 'none'}, token ${answer.fencingToken ?? 'none'}${acting}`;
    });
    const stopped = this.members.flatMap(({ id, child, lastExit }) =>
      child === null && lastExit !== null ? [`${id} (${String(lastExit.code)})`] : [],
    );
    return `${answered.join('; ')}; stopped: ${stopped.join(', ') || 'none'}`;
  }

  async metrics(id: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.member(id).httpPort}/metrics`);
    return response.text();
  }

  logs(): string {
    return this.members
      .map(
        (member) => `--- ${member.id}\n${member.child?.output().slice(-4000) ?? '(not running)'}`,
      )
      .join('\n');
  }

  /**
   * Kills every member (by PID), waits until their last output is read (and checked, see
   * test-log-hooks.ts) and removes the temp directory.
   */
  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (member) => member.child?.kill('SIGKILL')));
    await Promise.all([...this.logChecks.keys()].map((child) => child.closed));
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Sums the values of a Prometheus counter or gauge across label sets matching `labelFilter`. */
export function metricValue(text: string, name: string, labelFilter = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter !== '' && !line.includes(labelFilter)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
