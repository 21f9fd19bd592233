import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startChild, type Child } from './child.js';
import { freePorts } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface EtcdServerOptions {
  /** 1 (default) or 3 members. */
  readonly members?: 1 | 3;
  /** etcd's --heartbeat-interval in ms; etcd's default is 100. */
  readonly heartbeatMs?: number;
  /**
   * etcd's --election-timeout in ms; etcd's default is 1000. etcd's minimum lease TTL is
   * ceil(1.5 × this) seconds, so ≤ 666 allows 1 s leases.
   */
  readonly electionTimeoutMs?: number;
  /** How long to wait for the cluster to become healthy. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/** One etcd process, restartable on the same ports and data directory. */
export interface EtcdMember {
  readonly name: string;
  /** 127.0.0.1:port, as elector's `endpoints` take it. */
  readonly endpoint: string;
  readonly isRunning: boolean;
  /** SIGSTOP: the process keeps its sockets open but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** Starts the process again after kill(), on the same ports and data directory. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMember[];
  /** Every member's output so far, for failure messages. */
  logs(): string;
  /** Resolves once every running member reports itself healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** The member that is currently the Raft leader. */
  raftLeader(): Promise<EtcdMember>;
  /** Kills every process (by PID) and removes the data directories. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a real etcd (Debian's /usr/bin/etcd) on free loopback ports with a temporary data
 * directory, and resolves once it is healthy. On start-up failure it stops what it started and
 * rejects with the etcd log in the message.
 */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const ports = await freePorts(count * 2);
  const root = await mkdtemp(join(tmpdir(), 'elector-etcd-'));
  const names = Array.from({ length: count }, (_, index) => `etcd${index}`);
  const peerUrl = (index: number): string => `http://127.0.0.1:${ports[count + index] ?? 0}`;
  const initialCluster = names.map((name, index) => `${name}=${peerUrl(index)}`).join(',');
  const members = names.map(
    (name, index) =>
      new EtcdProcess(name, ports[index] ?? 0, [
        `--name=${name}`,
        `--data-dir=${join(root, name)}`,
        `--listen-client-urls=http://127.0.0.1:${ports[index] ?? 0}`,
        `--advertise-client-urls=http://127.0.0.1:${ports[index] ?? 0}`,
        `--listen-peer-urls=${peerUrl(index)}`,
        `--initial-advertise-peer-urls=${peerUrl(index)}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=elector-test-${ports[0] ?? 0}`,
        `--heartbeat-interval=${options.heartbeatMs ?? 100}`,
        `--election-timeout=${options.electionTimeoutMs ?? 1000}`,
        '--logger=zap',
        '--log-outputs=stderr',
      ]),
  );
  const cluster: EtcdCluster = {
    endpoints: members.map((member) => member.endpoint),
    members,
    logs: () => members.map((member) => `--- ${member.name} ---\n${member.logs()}`).join('\n'),
    waitHealthy: async (timeoutMs = 20_000) => {
      await Promise.all(
        members.filter((member) => member.isRunning).map((member) => member.waitHealthy(timeoutMs)),
      );
    },
    raftLeader: async () => {
      const leader = await waitFor(
        async () => {
          const isLeader = await Promise.all(members.map((member) => member.isRaftLeader()));
          return members[isLeader.indexOf(true)];
        },
        { timeoutMs: 10_000, what: 'an etcd Raft leader' },
      );
      return leader;
    },
    stop: async () => {
      await Promise.all(members.map((member) => member.kill()));
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    for (const member of members) member.launch();
    await cluster.waitHealthy(options.startTimeoutMs ?? 20_000);
  } catch (error) {
    const logs = cluster.logs();
    await cluster.stop();
    throw new Error(`etcd did not start: ${String(error)}\n${logs}`, { cause: error });
  }
  return cluster;
}

/** Runs `body`; if it fails, prints the etcd log first (tests print servers' logs on failure). */
export async function withEtcdLogs<T>(cluster: EtcdCluster, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    process.stderr.write(`\n=== etcd log (test failed) ===\n${cluster.logs().slice(-20_000)}\n`);
    throw error;
  }
}

const maintenanceStatusSchema = z.object({
  header: z.object({ member_id: z.string() }),
  leader: z.string(),
});

class EtcdProcess implements EtcdMember {
  readonly endpoint: string;
  private child: Child | null = null;
  private earlierLogs = '';
  private hasExited = true;

  constructor(
    readonly name: string,
    clientPort: number,
    private readonly args: readonly string[],
  ) {
    this.endpoint = `127.0.0.1:${clientPort}`;
  }

  get isRunning(): boolean {
    return this.child !== null && !this.hasExited;
  }

  launch(): void {
    const child = startChild('/usr/bin/etcd', this.args);
    this.child = child;
    this.hasExited = false;
    void child.exited.then(() => {
      if (this.child === child) this.hasExited = true;
    });
  }

  logs(): string {
    return this.earlierLogs + (this.child?.output() ?? '');
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    await child.kill('SIGKILL');
    this.hasExited = true;
  }

  async restart(): Promise<void> {
    await this.kill();
    this.earlierLogs = this.logs() + '\n--- restarted ---\n';
    this.launch();
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        if (!this.isRunning) throw new Error(`${this.name} exited`);
        const response = await fetch(`http://${this.endpoint}/health`, {
          signal: AbortSignal.timeout(1000),
        });
        const body: unknown = await response.json();
        return (
          typeof body === 'object' && body !== null && 'health' in body && body.health === 'true'
        );
      },
      { timeoutMs, what: `${this.name} on ${this.endpoint} to report healthy`, intervalMs: 50 },
    );
  }

  /** False when not running or not answering (a dead or paused member leads nothing we can reach). */
  async isRaftLeader(): Promise<boolean> {
    if (!this.isRunning) return false;
    try {
      const response = await fetch(`http://${this.endpoint}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(1000),
      });
      const status = maintenanceStatusSchema.safeParse(await response.json());
      return status.success && status.data.header.member_id === status.data.leader;
    } catch (error) {
      if (error instanceof Error) return false;
      throw error;
    }
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child === null || this.hasExited) throw new Error(`${this.name} is not running`);
    process.kill(this.child.pid, signal);
  }
}
