// Starts real ZooKeeper servers (Debian's zookeeper package, Java 17) on free loopback ports,
// each with its own temporary data directory, and stops them by PID.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child.js';
import { freePorts } from './free-port.js';
import { waitFor } from './wait-for.js';

const zookeeperJar = '/usr/share/java/zookeeper.jar';
// The jar's manifest names its own dependencies; slf4j-simple sends the server log to stderr.
const classPath = [zookeeperJar, '/usr/share/java/slf4j-simple.jar'].join(':');

interface ZooKeeperServer {
  readonly id: number;
  readonly clientPort: number;
  readonly pid: number;
  /** The server's log so far. */
  output(): string;
  /** Answer to a four-letter-word command (e.g. "srvr"); rejects if the server is unreachable. */
  fourLetterWord(command: string): Promise<string>;
  /** Sends `signal` (SIGKILL by default) by PID and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly isRunning: () => boolean;
}

export interface ZooKeeperCluster {
  readonly servers: readonly ZooKeeperServer[];
  /** host:port of every server, comma-separated. */
  readonly connectString: string;
  readonly tickTimeMs: number;
  /** The last lines of every server's log, for failure messages. */
  logTail(lines?: number): string;
  /** Kills every server by PID and removes the data directories. */
  stop(): Promise<void>;
}

export interface ZooKeeperClusterOptions {
  readonly size?: 1 | 3;
  /** Small ticks allow short sessions: the server accepts 2·tickTime..20·tickTime. */
  readonly tickTimeMs?: number;
  readonly startTimeoutMs?: number;
}

/** Starts 1 or 3 servers and resolves once each serves clients ("srvr" shows its mode). */
export async function startZooKeeper(
  options: ZooKeeperClusterOptions = {},
): Promise<ZooKeeperCluster> {
  const size = options.size ?? 1;
  const tickTimeMs = options.tickTimeMs ?? 200;
  const root = await mkdtemp(join(tmpdir(), 'elector-zk-'));
  const ports = await freePorts(size * 3);
  const port = (index: number): number => ports[index] ?? 0;
  const quorum = Array.from(
    { length: size },
    (_unused, index) =>
      `server.${index + 1}=127.0.0.1:${port(size + index * 2)}:${port(size + index * 2 + 1)}`,
  );
  const servers: ZooKeeperServer[] = [];
  for (let index = 0; index < size; index += 1) {
    const id = index + 1;
    const directory = join(root, `server-${id}`);
    await mkdir(directory, { recursive: true });
    const config = [
      `tickTime=${tickTimeMs}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${directory}`,
      `clientPort=${port(index)}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,cons,mntr',
      'forceSync=no',
      'preAllocSize=1024',
      'maxClientCnxns=0',
      ...(size > 1 ? quorum : []),
    ];
    await writeFile(join(directory, 'zoo.cfg'), `${config.join('\n')}\n`);
    if (size > 1) await writeFile(join(directory, 'myid'), `${id}\n`);
    servers.push(startServer(id, port(index), join(directory, 'zoo.cfg')));
  }
  const cluster: ZooKeeperCluster = {
    servers,
    connectString: servers.map((server) => `127.0.0.1:${server.clientPort}`).join(','),
    tickTimeMs,
    logTail: (lines = 40) =>
      servers
        .map((server) => {
          const tail = server.output().trimEnd().split('\n').slice(-lines).join('\n');
          return `--- zookeeper server ${server.id} (pid ${server.pid}) ---\n${tail}`;
        })
        .join('\n'),
    async stop() {
      await Promise.all(servers.map((server) => server.kill()));
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(servers.map((server) => waitUntilServing(server, options)));
  } catch (error) {
    const tail = cluster.logTail();
    await cluster.stop();
    throw new Error(`${(error as Error).message}\n${tail}`, { cause: error });
  }
  return cluster;
}

/** Resolves with the mode ("standalone", "leader" or "follower") once the server serves. */
async function waitUntilServing(
  server: ZooKeeperServer,
  options: { readonly startTimeoutMs?: number } = {},
): Promise<string> {
  return waitFor(
    async () => {
      if (!server.isRunning()) throw new Error(`server ${server.id} exited`);
      const answer = await server.fourLetterWord('srvr');
      return /^Mode: (\w+)/m.exec(answer)?.[1];
    },
    {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      intervalMs: 100,
      what: `zookeeper server ${server.id} on port ${server.clientPort} to serve`,
    },
  );
}

function startServer(id: number, clientPort: number, configPath: string): ZooKeeperServer {
  const child: Child = startChild('/usr/bin/java', [
    '-Xmx192m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dzookeeper.jmx.log4j.disable=true',
    '-cp',
    classPath,
    'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    configPath,
  ]);
  let isRunning = true;
  void child.exited.then(() => {
    isRunning = false;
  });
  return {
    id,
    clientPort,
    pid: child.pid,
    output: () => child.output(),
    fourLetterWord: (command) => fourLetterWord(clientPort, command),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await child.kill(signal);
    },
    isRunning: () => isRunning,
  };
}

/** The answer of the ZooKeeper server at `host`:`port` to a four-letter word (e.g. "mntr"). */
export async function fourLetterWord(
  port: number,
  command: string,
  host = '127.0.0.1',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let answer = '';
    socket.setTimeout(2000, () => {
      socket.destroy(new Error(`no answer to ${command} within 2000 ms`));
    });
    socket.on('connect', () => {
      socket.end(command);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(answer);
    });
  });
}
