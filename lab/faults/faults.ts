import { randomInt, type Random } from '../../src/core/random.js';
import type { TcpProxy } from '../tcp-proxy.js';
import type { FaultMesh } from './mesh.js';

/** What a fault needs to pick its targets and durations. */
export interface FaultContext {
  readonly mesh: FaultMesh;
  /** Index of the member acting as leader when the fault begins. */
  readonly leader: number;
  readonly random: Random;
}

/** A fault in force: `heal` ends it (restarts, resumes, removes rules) and is safe to call twice. */
interface AppliedFault {
  readonly label: string;
  /** How long the campaign keeps it in force, in ms. */
  readonly durationMs: number;
  readonly heal: () => Promise<void>;
}

export interface FaultKind {
  readonly name: string;
  /** Puts the fault in force; resolves (or returns) once it is. */
  readonly apply: (context: FaultContext) => Promise<AppliedFault> | AppliedFault;
}

/** Milliseconds in [low·T, high·T]. */
export function durationOf(context: FaultContext, low: number, high: number): number {
  const timeout = context.mesh.electionTimeoutMs;
  return randomInt(context.random, Math.round(low * timeout), Math.round(high * timeout));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[randomInt(random, 0, items.length - 1)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function followersOf(context: FaultContext): number[] {
  return context.mesh.members
    .map((member) => member.index)
    .filter((index) => index !== context.leader);
}

export function once(heal: () => Promise<void>): () => Promise<void> {
  let healing: Promise<void> | null = null;
  return () => (healing ??= heal());
}

/** Every proxy whose link starts (`out`) or ends (`in`) at `index`. */
function proxiesOf(mesh: FaultMesh, index: number, side: 'in' | 'out' | 'both'): TcpProxy[] {
  return [...mesh.links()]
    .filter(([key]) => {
      const [from, to] = key.split('->').map(Number);
      return (side !== 'in' && from === index) || (side !== 'out' && to === index);
    })
    .map(([, proxy]) => proxy);
}

export function healProxies(proxies: readonly TcpProxy[]): () => Promise<void> {
  return () => {
    for (const proxy of proxies) proxy.heal();
    return Promise.resolve();
  };
}

/** Faults on the links between Raft peers. Durations are multiples of T. */
const peerFaultKinds: readonly FaultKind[] = [
  {
    name: 'isolate-leader',
    async apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      const fault = await context.mesh.lab.isolate(context.leader, durationMs + 30_000);
      return { label: `isolate m${context.leader} (leader)`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'isolate-follower',
    async apply(context) {
      const target = pick(context.random, followersOf(context));
      const durationMs = durationOf(context, 1.2, 4);
      const fault = await context.mesh.lab.isolate(target, durationMs + 30_000);
      return { label: `isolate m${target}`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'cut-leader-from-follower',
    async apply(context) {
      const follower = pick(context.random, followersOf(context));
      const durationMs = durationOf(context, 1.2, 4);
      const fault = await context.mesh.lab.cut(context.leader, follower, durationMs + 30_000);
      return { label: `cut m${context.leader}|m${follower}`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'cut-two-followers',
    async apply(context) {
      const [a = 0, b = 0] = followersOf(context);
      const durationMs = durationOf(context, 1.2, 4);
      const fault = await context.mesh.lab.cut(a, b, durationMs + 30_000);
      return { label: `cut m${a}|m${b}`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'leader-sends-nothing',
    async apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      const others = followersOf(context);
      const fault = await context.mesh.lab.block(context.leader, others, {
        direction: 'out',
        forMs: durationMs + 30_000,
      });
      return { label: `drop out m${context.leader}`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'leader-hears-nothing',
    async apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      const others = followersOf(context);
      const fault = await context.mesh.lab.block(context.leader, others, {
        direction: 'in',
        forMs: durationMs + 30_000,
      });
      return { label: `drop in m${context.leader}`, durationMs, heal: once(fault.heal) };
    },
  },
  {
    name: 'random-loss',
    async apply(context) {
      const { mesh, random } = context;
      const target = randomInt(random, 0, mesh.members.length - 1);
      const probability = randomInt(random, 20, 60) / 100;
      const direction = pick(random, ['in', 'out', 'both'] as const);
      const durationMs = durationOf(context, 2, 5);
      const others = mesh.members.map((member) => member.index).filter((i) => i !== target);
      const fault = await mesh.lab.block(target, others, {
        direction,
        probability,
        forMs: durationMs + 30_000,
      });
      return {
        label: `lose ${probability} ${direction} m${target}`,
        durationMs,
        heal: once(fault.heal),
      };
    },
  },
  {
    name: 'delay-leader-links',
    apply(context) {
      const { mesh, random } = context;
      const delayMs = durationOf(context, 0.05, 0.6);
      const direction = pick(random, ['forward', 'backward', 'both'] as const);
      const durationMs = durationOf(context, 2, 5);
      const proxies = proxiesOf(mesh, context.leader, 'both');
      for (const proxy of proxies) proxy.setDelay(direction, delayMs, durationMs + 30_000);
      const heal = healProxies(proxies);
      return {
        label: `delay ${delayMs} ms ${direction} on m${context.leader}'s links`,
        durationMs,
        heal: once(heal),
      };
    },
  },
  {
    name: 'delay-every-link',
    apply(context) {
      const proxies = [...context.mesh.links().values()];
      const durationMs = durationOf(context, 2, 5);
      for (const proxy of proxies) {
        proxy.setDelay('both', durationOf(context, 0, 0.3), durationMs + 30_000);
      }
      const heal = healProxies(proxies);
      return { label: 'delay every link 0..0.3T', durationMs, heal: once(heal) };
    },
  },
  {
    name: 'stall-leader-messages',
    apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      // One-way message loss at the application level: the leader's messages are held and
      // arrive late, all at once, when the fault heals (as TCP would deliver them).
      const proxies = proxiesOf(context.mesh, context.leader, 'out');
      for (const proxy of proxies) proxy.stall('forward', durationMs + 30_000);
      const heal = healProxies(proxies);
      return { label: `stall m${context.leader}'s messages`, durationMs, heal: once(heal) };
    },
  },
  {
    name: 'refuse-connections',
    apply(context) {
      const target = randomInt(context.random, 0, context.mesh.members.length - 1);
      const durationMs = durationOf(context, 1.2, 4);
      const proxies = proxiesOf(context.mesh, target, 'both');
      for (const proxy of proxies) proxy.refuse(durationMs + 30_000);
      const heal = healProxies(proxies);
      return { label: `drop and refuse m${target}'s links`, durationMs, heal: once(heal) };
    },
  },
];

/** Faults of the members' processes and network interfaces, on any backend. */
export const processFaultKinds: readonly FaultKind[] = [
  {
    name: 'pause-leader',
    apply(context) {
      const durationMs = durationOf(context, 1.5, 4);
      context.mesh.pause(context.leader);
      const heal = (): Promise<void> => {
        context.mesh.resume(context.leader);
        return Promise.resolve();
      };
      return { label: `SIGSTOP m${context.leader} (leader)`, durationMs, heal: once(heal) };
    },
  },
  {
    name: 'pause-follower',
    apply(context) {
      const target = pick(context.random, followersOf(context));
      const durationMs = durationOf(context, 1.5, 4);
      context.mesh.pause(target);
      const heal = (): Promise<void> => {
        context.mesh.resume(target);
        return Promise.resolve();
      };
      return { label: `SIGSTOP m${target}`, durationMs, heal: once(heal) };
    },
  },
  {
    name: 'kill-leader',
    async apply(context) {
      const durationMs = durationOf(context, 0.5, 3);
      await context.mesh.kill(context.leader, 'SIGKILL');
      const heal = (): Promise<void> => {
        context.mesh.startMember(context.leader);
        return Promise.resolve();
      };
      return { label: `SIGKILL m${context.leader} (leader)`, durationMs, heal: once(heal) };
    },
  },
  {
    name: 'kill-follower',
    async apply(context) {
      const target = pick(context.random, followersOf(context));
      const durationMs = durationOf(context, 0.5, 3);
      await context.mesh.kill(target, 'SIGKILL');
      const heal = (): Promise<void> => {
        context.mesh.startMember(target);
        return Promise.resolve();
      };
      return { label: `SIGKILL m${target}`, durationMs, heal: once(heal) };
    },
  },
  {
    name: 'wall-clock-jump',
    apply(context) {
      const { mesh, random } = context;
      const target = randomInt(random, 0, mesh.members.length - 1);
      // Minutes to days, either way: an NTP step, a VM restored from a snapshot, `date -s`.
      const offsetMs = pick(random, [-1, 1]) * randomInt(random, 60, 3 * 24 * 3600) * 1000;
      const durationMs = durationOf(context, 1, 3);
      mesh.jumpWallClock(target, offsetMs);
      const heal = (): Promise<void> => {
        mesh.jumpWallClock(target, 0);
        return Promise.resolve();
      };
      return {
        label: `wall clock of m${target} jumps ${Math.round(offsetMs / 1000)} s`,
        durationMs,
        heal: once(heal),
      };
    },
  },
  {
    name: 'leader-link-down',
    async apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      const fault = await context.mesh.lab.linkDown(context.leader, durationMs + 30_000);
      return { label: `link down m${context.leader} (leader)`, durationMs, heal: once(fault.heal) };
    },
  },
];

/** The fault catalogue of the Raft mesh campaign. */
export const raftFaultKinds: readonly FaultKind[] = [...peerFaultKinds, ...processFaultKinds];
