import { randomInt } from '../../src/core/random.js';
import {
  durationOf,
  followersOf,
  healProxies,
  once,
  pick,
  processFaultKinds,
  type FaultContext,
  type FaultKind,
} from './faults.js';

/** Cuts member `target` off from the backend server in `direction`, for a seeded time. */
async function cutFromBackend(
  context: FaultContext,
  target: number,
  direction: 'in' | 'out' | 'both',
  role: string,
): Promise<{ label: string; durationMs: number; heal: () => Promise<void> }> {
  const durationMs = durationOf(context, 1.2, 4);
  const fault = await context.mesh.lab.blockBackend(target, {
    direction,
    forMs: durationMs + 30_000,
  });
  const what = { both: 'cut', out: 'drop out', in: 'drop in' }[direction];
  return { label: `${what} m${target}${role}|backend`, durationMs, heal: once(fault.heal) };
}

/**
 * Faults between candidates and their backend server (etcd, ZooKeeper, the test apiserver),
 * and of the server itself. Durations are multiples of T, the backend's lease.
 */
const serverFaultKinds: readonly FaultKind[] = [
  {
    name: 'cut-leader-from-backend',
    apply: (context) => cutFromBackend(context, context.leader, 'both', ' (leader)'),
  },
  {
    name: 'cut-follower-from-backend',
    apply: (context) =>
      cutFromBackend(context, pick(context.random, followersOf(context)), 'both', ''),
  },
  {
    name: 'leader-requests-vanish',
    apply: (context) => cutFromBackend(context, context.leader, 'out', ' (leader)'),
  },
  {
    name: 'leader-answers-vanish',
    apply: (context) => cutFromBackend(context, context.leader, 'in', ' (leader)'),
  },
  {
    name: 'backend-random-loss',
    async apply(context) {
      const { mesh, random } = context;
      const target = randomInt(random, 0, mesh.members.length - 1);
      const probability = randomInt(random, 20, 60) / 100;
      const direction = pick(random, ['in', 'out', 'both'] as const);
      const durationMs = durationOf(context, 2, 5);
      const fault = await mesh.lab.blockBackend(target, {
        direction,
        probability,
        forMs: durationMs + 30_000,
      });
      return {
        label: `lose ${probability} ${direction} m${target}|backend`,
        durationMs,
        heal: once(fault.heal),
      };
    },
  },
  {
    name: 'delay-leader-backend-link',
    apply(context) {
      const delayMs = durationOf(context, 0.05, 0.6);
      const direction = pick(context.random, ['forward', 'backward', 'both'] as const);
      const durationMs = durationOf(context, 2, 5);
      const proxy = context.mesh.backendLink(context.leader);
      proxy.setDelay(direction, delayMs, durationMs + 30_000);
      return {
        label: `delay ${delayMs} ms ${direction} on m${context.leader}|backend`,
        durationMs,
        heal: once(healProxies([proxy])),
      };
    },
  },
  {
    name: 'stall-leader-backend-link',
    apply(context) {
      const direction = pick(context.random, ['forward', 'backward', 'both'] as const);
      const durationMs = durationOf(context, 1.2, 4);
      // Bytes are held, then delivered late and all at once when the fault heals: a renewal
      // that arrives after its lease expired must not revive the old leadership.
      const proxy = context.mesh.backendLink(context.leader);
      proxy.stall(direction, durationMs + 30_000);
      return {
        label: `stall ${direction} m${context.leader}|backend`,
        durationMs,
        heal: once(healProxies([proxy])),
      };
    },
  },
  {
    name: 'refuse-leader-backend-connections',
    apply(context) {
      const durationMs = durationOf(context, 1.2, 4);
      const proxy = context.mesh.backendLink(context.leader);
      proxy.refuse(durationMs + 30_000);
      return {
        label: `drop and refuse m${context.leader}|backend connections`,
        durationMs,
        heal: once(healProxies([proxy])),
      };
    },
  },
  {
    name: 'pause-backend-server',
    apply(context) {
      const server = context.mesh.server;
      if (server?.pause == null || server.resume === null) {
        throw new Error(`pause-backend-server needs a server process to pause`);
      }
      const { resume } = server;
      const durationMs = durationOf(context, 0.5, 3);
      server.pause();
      const heal = (): Promise<void> => {
        resume();
        return Promise.resolve();
      };
      return { label: `SIGSTOP the ${server.backend} server`, durationMs, heal: once(heal) };
    },
  },
];

/** The fault catalogue of a campaign on `backend` (etcd, ZooKeeper or the test apiserver). */
export function backendFaultKinds(canPauseServer: boolean): readonly FaultKind[] {
  const serverKinds = canPauseServer
    ? serverFaultKinds
    : serverFaultKinds.filter((kind) => kind.name !== 'pause-backend-server');
  return [...serverKinds, ...processFaultKinds];
}
