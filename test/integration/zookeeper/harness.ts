// In-process election members for the ZooKeeper integration tests, and a raw client to look at
// the znodes they create.
import { createClient, type Client, type Exception } from 'node-zookeeper-client';
import { testLogger } from '../../../lab/test-logger.js';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { createZooKeeperBackend } from '../../../src/backends/zookeeper/zookeeper-backend.js';
import { type ZooKeeperAuth } from '../../../src/backends/zookeeper/options.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { waitFor } from '../../../lab/wait-for.js';

interface Transition {
  /** Monotonic ms (systemClock), comparable across members of this process. */
  readonly at: number;
  readonly state: ElectionState;
}

export interface Member {
  readonly id: string;
  readonly backend: ElectionBackend;
  readonly transitions: Transition[];
  readonly errors: { readonly operation: string; readonly code: string }[];
  readonly logs: string[];
  /** Campaign wake-ups (the predecessor watch). */
  watchEvents: number;
  /** Notices that the leader's znode went (members behind the successor). */
  leaderWatchEvents: number;
  start(): Promise<void>;
  /** Aborts the member and waits until its session is closed (its znode deleted). */
  stop(): Promise<void>;
}

export interface MemberOptions {
  readonly id: string;
  readonly connectString: string;
  readonly electionName: string;
  readonly sessionTimeoutMs?: number;
  readonly refreshIntervalMs?: number;
  readonly auth?: ZooKeeperAuth;
}

export function createMember(options: MemberOptions): Member {
  const controller = new AbortController();
  const logs: string[] = [];
  const logger = testLogger(
    options.id,
    { level: 'debug', base: { member: options.id } },
    (line) => {
      logs.push(line);
      if (logs.length > 2000) logs.splice(0, 1000);
    },
  );
  const member: Member = {
    id: options.id,
    transitions: [],
    errors: [],
    logs,
    watchEvents: 0,
    leaderWatchEvents: 0,
    backend: createZooKeeperBackend({
      memberId: options.id,
      address: `127.0.0.1:${String(20_000 + Number(options.id.replace(/\D/g, '') || 0))}`,
      connectString: options.connectString,
      electionName: options.electionName,
      ...(options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: options.sessionTimeoutMs }),
      ...(options.auth === undefined ? {} : { auth: options.auth }),
      ...(options.refreshIntervalMs === undefined
        ? {}
        : { refreshIntervalMs: options.refreshIntervalMs }),
      clock: systemClock,
      random: Math.random,
      observe: (event) => {
        if (event.type === 'watch-event') member.watchEvents += 1;
        if (event.type === 'leader-watch-event') member.leaderWatchEvents += 1;
        if (event.type === 'backend-error') {
          member.errors.push({ operation: event.operation, code: event.code });
        }
      },
      logger,
    }),
    start: () => member.backend.start(controller.signal),
    async stop() {
      controller.abort(new Error(`member ${options.id} stopped by the test`));
      await member.backend.stopped();
    },
  };
  member.backend.onChange((state) => {
    member.transitions.push({ at: systemClock.now(), state });
  });
  return member;
}

function actingMembers(members: readonly Member[]): Member[] {
  return members.filter((member) => member.backend.current().isSelf);
}

/** Waits until exactly one member acts and every other member names it as leader. */
export async function waitForOneLeader(
  members: readonly Member[],
  timeoutMs = 15_000,
): Promise<Member> {
  return waitFor(
    () => {
      const acting = actingMembers(members);
      const leader = acting[0];
      if (acting.length !== 1 || leader === undefined) {
        return false;
      }
      const agree = members.every((member) => member.backend.current().leader === leader.id);
      return agree ? leader : false;
    },
    {
      timeoutMs,
      what: `exactly one acting leader among ${members.map((member) => member.id).join(', ')}`,
    },
  );
}

/**
 * Samples every member's current() on one clock every few ms and records each instant at which
 * more than one member acted. `stop()` returns those instants.
 */
export function watchForSplitBrain(members: () => readonly Member[]): { stop(): string[] } {
  const violations: string[] = [];
  const timer = setInterval(() => {
    const acting = actingMembers(members());
    if (acting.length > 1) violations.push(acting.map((member) => member.id).join('+'));
  }, 2);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return violations;
    },
  };
}

export interface CandidateZnode {
  readonly name: string;
  readonly memberId: string;
  readonly czxid: bigint;
  readonly ephemeralOwner: string;
}

/** A plain client, outside the backend, to inspect the tree. */
export async function connectInspector(
  connectString: string,
  digestCredentials?: string,
): Promise<Client> {
  const client = createClient(connectString, { sessionTimeout: 4000 });
  if (digestCredentials !== undefined) {
    client.addAuthInfo('digest', Buffer.from(digestCredentials, 'utf8'));
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`inspector could not connect to ${connectString}`));
    }, 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

export async function listCandidateZnodes(
  client: Client,
  parentPath: string,
): Promise<CandidateZnode[]> {
  const children = await new Promise<string[]>((resolve, reject) => {
    client.getChildren(parentPath, (error, names) => {
      if (error === null) resolve(names);
      else reject(asError(error));
    });
  });
  const znodes: CandidateZnode[] = [];
  for (const name of children.sort()) {
    const znode = await new Promise<CandidateZnode | null>((resolve) => {
      client.getData(`${parentPath}/${name}`, (error, data, stat) => {
        if (error !== null) {
          resolve(null);
          return;
        }
        const parsed = JSON.parse(data.toString('utf8')) as { memberId: string };
        resolve({
          name,
          memberId: parsed.memberId,
          czxid: stat.czxid.readBigInt64BE(0),
          ephemeralOwner: stat.ephemeralOwner.toString('hex'),
        });
      });
    });
    if (znode !== null) znodes.push(znode);
  }
  return znodes.sort((left, right) => sequenceOf(left.name) - sequenceOf(right.name));
}

function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

/** Runs `body`; on failure, adds the members' and servers' log tails to the error message. */
export async function explainFailure(
  context: { members: () => readonly Member[]; serverLog: () => string },
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    const memberLogs = context
      .members()
      .map((member) => `--- member ${member.id} ---\n${member.logs.slice(-25).join('')}`)
      .join('\n');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n${memberLogs}\n${context.serverLog()}`, { cause: error });
  }
}

/** node-zookeeper-client's Exception is an Error at run time, but not in its type definitions. */
export function asError(error: Error | Exception): Error {
  return error instanceof Error ? error : new Error(error.toString());
}
