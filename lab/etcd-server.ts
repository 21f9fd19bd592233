import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
  /** Serve clients over TLS with a fresh test CA and require client certificates. */
  readonly tls?: boolean;
  /** How long to wait for the cluster to become healthy. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/** PEM files of a TLS test cluster: its CA, and a client certificate the CA signed. */
interface EtcdTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** One etcd process, restartable on the same ports and data directory. */
interface EtcdMember {
  readonly name: string;
  /** 127.0.0.1:port, as elector's `endpoints` take it. */
  readonly endpoint: string;
  readonly isRunning: boolean;
  /** SIGSTOP: the process keeps its sockets open but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** SIGKILL (by PID), then wait for the exit. */
  kill(): Promise<void>;
  /** Starts the process again after kill(), on the same ports and data directory. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  readonly tls: EtcdTlsFiles | undefined;
  readonly members: readonly EtcdMember[];
  /** Every member's output so far, for failure messages. */
  logs(): string;
  /** Resolves once every running member reports itself healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** How many keys start with `prefix`, read through a running member's JSON gateway. */
  countKeys(prefix: string): Promise<number>;
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
  const tls = options.tls === true ? createTlsFiles(root) : undefined;
  const scheme = tls === undefined ? 'http' : 'https';
  const names = Array.from({ length: count }, (_, index) => `etcd${index}`);
  const clientUrl = (index: number): string => `${scheme}://127.0.0.1:${ports[index] ?? 0}`;
  const peerUrl = (index: number): string => `http://127.0.0.1:${ports[count + index] ?? 0}`;
  const initialCluster = names.map((name, index) => `${name}=${peerUrl(index)}`).join(',');
  const tlsArgs =
    tls === undefined
      ? []
      : [
          `--cert-file=${join(root, 'server.pem')}`,
          `--key-file=${join(root, 'server.key')}`,
          `--trusted-ca-file=${tls.caFile}`,
          '--client-cert-auth',
        ];
  const members = names.map(
    (name, index) =>
      new EtcdProcess(name, ports[index] ?? 0, tls, [
        `--name=${name}`,
        `--data-dir=${join(root, name)}`,
        `--listen-client-urls=${clientUrl(index)}`,
        `--advertise-client-urls=${clientUrl(index)}`,
        `--listen-peer-urls=${peerUrl(index)}`,
        `--initial-advertise-peer-urls=${peerUrl(index)}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=elector-test-${ports[0] ?? 0}`,
        `--heartbeat-interval=${options.heartbeatMs ?? 100}`,
        `--election-timeout=${options.electionTimeoutMs ?? 1000}`,
        '--logger=zap',
        '--log-outputs=stderr',
        ...tlsArgs,
      ]),
  );
  const cluster: EtcdCluster = {
    endpoints: members.map((member) => member.endpoint),
    tls,
    members,
    logs: () => members.map((member) => `--- ${member.name} ---\n${member.logs()}`).join('\n'),
    waitHealthy: async (timeoutMs = 20_000) => {
      await Promise.all(
        members.filter((member) => member.isRunning).map((member) => member.waitHealthy(timeoutMs)),
      );
    },
    countKeys: async (prefix) => {
      const member = members.find((candidate) => candidate.isRunning);
      if (member === undefined) throw new Error('no etcd member is running');
      return member.countKeys(prefix);
    },
    raftLeader: async () =>
      waitFor(
        async () => {
          const isLeader = await Promise.all(members.map((member) => member.isRaftLeader()));
          return members[isLeader.indexOf(true)];
        },
        { timeoutMs: 10_000, what: 'an etcd Raft leader' },
      ),
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

const healthSchema = z.object({ health: z.string() });
const rangeCountSchema = z.object({
  header: z.object({ revision: z.string() }),
  count: z.string().optional(),
});
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
    private readonly tls: EtcdTlsFiles | undefined,
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
        return healthSchema.parse(await this.requestJson('/health')).health === 'true';
      },
      { timeoutMs, what: `${this.name} on ${this.endpoint} to report healthy`, intervalMs: 50 },
    );
  }

  async countKeys(prefix: string): Promise<number> {
    const key = Buffer.from(prefix, 'utf8');
    const rangeEnd = Buffer.from(key);
    rangeEnd[rangeEnd.length - 1] = (rangeEnd.at(-1) ?? 0) + 1;
    const request = {
      key: key.toString('base64'),
      range_end: rangeEnd.toString('base64'),
      count_only: true,
    };
    const body = await this.requestJson('/v3/kv/range', JSON.stringify(request));
    // proto3 JSON leaves out zero values, so a missing count means 0.
    return Number(rangeCountSchema.parse(body).count ?? '0');
  }

  /** False when not running or not answering (a dead or paused member leads nothing we can reach). */
  async isRaftLeader(): Promise<boolean> {
    if (!this.isRunning) return false;
    try {
      const body = await this.requestJson('/v3/maintenance/status', '{}');
      const status = maintenanceStatusSchema.safeParse(body);
      return status.success && status.data.header.member_id === status.data.leader;
    } catch (error) {
      if (error instanceof Error) return false;
      throw error;
    }
  }

  /** GET, or POST `body`, on the client URL (over TLS with the client certificate if on). */
  private requestJson(path: string, body?: string): Promise<unknown> {
    const tls = this.tls;
    const url = `${tls === undefined ? 'http' : 'https'}://${this.endpoint}${path}`;
    const credentials =
      tls === undefined
        ? {}
        : {
            ca: readFileSync(tls.caFile),
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
          };
    const send = tls === undefined ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(
        url,
        { method: body === undefined ? 'GET' : 'POST', timeout: 1000, ...credentials },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => {
            try {
              resolve(JSON.parse(text));
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      outgoing.on('timeout', () => {
        outgoing.destroy(new Error(`${url}: no answer within 1 s`));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child === null || this.hasExited) throw new Error(`${this.name} is not running`);
    process.kill(this.child.pid, signal);
  }
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate (openssl). */
function createTlsFiles(root: string): EtcdTlsFiles {
  const openssl = (...args: string[]): void => {
    execFileSync('/usr/bin/openssl', args, { cwd: root, stdio: 'pipe' });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const subject = (name: string): string[] => ['-subj', `/CN=elector-test-${name}`];
  openssl('req', '-x509', ...newKey, ...subject('ca'), '-keyout', 'ca.key', '-out', 'ca.pem');
  for (const [name, usage] of [
    // etcd's JSON gateway dials its own gRPC port with the server certificate as a client.
    ['server', 'serverAuth,clientAuth'],
    ['client', 'clientAuth'],
  ] as const) {
    writeFileSync(
      join(root, `${name}.ext`),
      `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`,
    );
    openssl('req', ...newKey, ...subject(name), '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      ...['-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`],
    );
  }
  return {
    caFile: join(root, 'ca.pem'),
    certFile: join(root, 'client.pem'),
    keyFile: join(root, 'client.key'),
  };
}
