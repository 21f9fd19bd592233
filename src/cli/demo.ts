import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { repeatedFlagProblems } from '../config/repeated-flag.js';
import { formatTable } from './status.js';

interface DemoMember {
  readonly id: string;
  readonly httpPort: number;
  readonly peerPort: number;
  process: ChildProcess | null;
  view: MemberView | null;
}

interface MemberView {
  readonly leader: string | null;
  readonly fencingToken: string | null;
  readonly term: string;
  readonly isLeader: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function fetchView(member: DemoMember): Promise<MemberView | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${member.httpPort}/leader`, {
      signal: AbortSignal.timeout(300),
    });
    const body = JSON.parse(
      (await response.text()).replace(/("fencingToken":|"term":)(\d+)/g, '$1"$2"'),
    ) as {
      id: string | null;
      fencingToken: string | null;
      term: string;
      isSelf: boolean;
    };
    return {
      leader: body.id,
      fencingToken: body.fencingToken,
      term: body.term,
      isLeader: body.isSelf,
    };
  } catch {
    return null;
  }
}

/**
 * `elector demo`: three members on loopback, a live table, and keys to kill (k) or gracefully
 * stop (s) the leader, restart stopped members (r) and quit (q). Without a terminal it prints
 * one line per change and reads the same commands as lines on stdin (kill, stop, restart, quit).
 */
export async function runDemo(argv: readonly string[]): Promise<number> {
  const { values, tokens } = parseArgs({
    args: [...argv],
    tokens: true,
    options: { members: { type: 'string', default: '3' } },
  });
  const repeated = repeatedFlagProblems(tokens);
  if (repeated.length > 0) {
    process.stderr.write(`${repeated.join('\n')}\n`);
    return 2;
  }
  const count = Number(values.members);
  if (![1, 3, 5, 7].includes(count)) {
    process.stderr.write(
      `--members: expected one of 1, 3, 5, 7; got ${JSON.stringify(values.members)}\n`,
    );
    return 2;
  }
  const directory = mkdtempSync(join(tmpdir(), 'elector-demo-'));
  const secretFile = join(directory, 'cluster-secret');
  writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const members: DemoMember[] = [];
  for (let index = 1; index <= count; index++) {
    members.push({
      id: `member-${index}`,
      httpPort: await freePort(),
      peerPort: await freePort(),
      process: null,
      view: null,
    });
  }
  const peers = members.map((member) => `${member.id}=127.0.0.1:${member.peerPort}`).join(',');
  const httpAddresses = members
    .map((member) => `${member.id}=127.0.0.1:${member.httpPort}`)
    .join(',');
  const cli = process.argv[1] ?? '';
  const start = (member: DemoMember): void => {
    const child = spawn(process.execPath, [...process.execArgv, cli, 'run'], {
      stdio: 'ignore',
      env: {
        ...process.env,
        ELECTOR_ID: member.id,
        ELECTOR_MEMBERS: members.map((other) => other.id).join(','),
        ELECTOR_PEERS: peers,
        ELECTOR_PEER_HTTP_ADDRESSES: httpAddresses,
        ELECTOR_PEER_HOST: '127.0.0.1',
        ELECTOR_PEER_PORT: String(member.peerPort),
        ELECTOR_HTTP_HOST: '127.0.0.1',
        ELECTOR_HTTP_PORT: String(member.httpPort),
        ELECTOR_CLUSTER_SECRET_FILE: secretFile,
        ELECTOR_STATE_DIR: join(directory, member.id),
        ELECTOR_ELECTION: 'demo',
      },
    });
    member.process = child;
    child.once('exit', () => {
      if (member.process === child) member.process = null;
    });
  };
  members.forEach(start);

  const isTerminal = process.stdout.isTTY && process.stdin.isTTY;
  let lastSummary = '';
  let leaderLostAt: number | null = null;
  let lastEvent = 'starting';
  const leaderOf = (): DemoMember | undefined =>
    members.find((member) => member.process !== null && member.view?.isLeader === true);
  const act = (command: string): boolean => {
    const leader = leaderOf();
    if ((command === 'k' || command === 'kill') && leader?.process != null) {
      leader.process.kill('SIGKILL');
      leaderLostAt = performance.now();
      lastEvent = `killed ${leader.id} (SIGKILL)`;
    } else if ((command === 's' || command === 'stop') && leader?.process != null) {
      leader.process.kill('SIGTERM');
      leaderLostAt = performance.now();
      lastEvent = `stopped ${leader.id} (SIGTERM: graceful handover)`;
    } else if (command === 'r' || command === 'restart') {
      for (const member of members) if (member.process === null) start(member);
      lastEvent = 'restarted stopped members';
    } else if (command === 'q' || command === 'quit') {
      return false;
    }
    return true;
  };

  return new Promise<number>((resolve) => {
    const finish = (): void => {
      clearInterval(poller);
      input.close();
      if (isTerminal) process.stdin.setRawMode(false);
      for (const member of members) member.process?.kill('SIGTERM');
      rmSync(directory, { recursive: true, force: true });
      resolve(0);
    };
    const input = createInterface({ input: process.stdin });
    if (isTerminal) {
      process.stdin.setRawMode(true);
      process.stdin.on('data', (chunk: Buffer) => {
        const key = chunk.toString('utf8');
        if (key === '\u0003' || !act(key)) finish();
      });
    } else {
      input.on('line', (line) => {
        if (!act(line.trim())) finish();
      });
      input.on('close', finish);
    }
    const poller = setInterval(() => {
      void Promise.all(
        members.map(
          async (member) =>
            (member.view = member.process === null ? null : await fetchView(member)),
        ),
      ).then(() => {
        const leader = leaderOf();
        if (leader !== undefined && leaderLostAt !== null) {
          const took = `${leader.id} leads after ${Math.round(performance.now() - leaderLostAt)} ms`;
          lastEvent = lastEvent === '' ? took : `${lastEvent}; ${took}`;
          leaderLostAt = null;
        }
        const rows = [
          ['MEMBER', 'STATE', 'ROLE', 'TERM', 'LEADER', 'FENCING TOKEN'],
          ...members.map((member) => [
            member.id,
            member.process === null ? 'stopped' : member.view === null ? 'starting' : 'running',
            member.view === null ? '-' : member.view.isLeader ? 'LEADER' : 'follower',
            member.view?.term ?? '-',
            member.view?.leader ?? '-',
            member.view?.fencingToken ?? '-',
          ]),
        ];
        const summary = `leader=${leader?.id ?? 'none'} token=${leader?.view?.fencingToken ?? '-'} members=${members.map((member) => `${member.id}:${member.process === null ? 'stopped' : member.view?.isLeader === true ? 'leader' : 'up'}`).join(',')}`;
        const running = members.filter((member) => member.process !== null).length;
        const quorum = Math.floor(members.length / 2) + 1;
        const quorumNote =
          leader === undefined && running < quorum
            ? `no quorum: ${running} of ${members.length} members running, a leader needs ${quorum} (press r)`
            : '';
        if (isTerminal) {
          process.stdout.write(
            `\u001b[2J\u001b[H${formatTable(rows)}\n\n${lastEvent}\n${quorumNote}\n\nkeys: k = kill -9 the leader, s = SIGTERM the leader (graceful), r = restart stopped, q = quit\n`,
          );
        } else if (summary !== lastSummary) {
          process.stdout.write(`${summary}${lastEvent === '' ? '' : ` (${lastEvent})`}\n`);
          lastEvent = '';
        }
        lastSummary = summary;
      });
    }, 100);
  });
}
