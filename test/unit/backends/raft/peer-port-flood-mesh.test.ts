// A three-member Raft mesh whose leader's peer port is kept full of silent sockets (refilled as
// soon as the handshake timeout closes one, as an attacker would): a follower that restarts
// must still be heard by the leader, and the mesh keeps its leader and term throughout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { freePorts } from '../../../../lab/free-port.js';
import { waitFor } from '../../../../lab/wait-for.js';
import type { ElectionBackend } from '../../../../src/backends/backend.js';
import { createRaftBackend } from '../../../../src/backends/raft/raft-backend.js';
import { ignoreElectionEvents } from '../../../../src/core/election-events.js';
import { seededRandom } from '../../../../src/core/random.js';
import { systemClock } from '../../../../src/runtime/system-clock.js';
import { connectRaw } from './transport-harness.js';

const wait = { timeoutMs: 20_000, intervalMs: 20 } as const;

/** Reconnections per slot: enough to outlast the test, few enough that the flood ends by itself. */
const maxConnectionsPerSlot = 40;

/**
 * Keeps `perAddress` silent sockets from each of `addressCount` addresses open to `port`,
 * reconnecting each one the moment it closes, until the returned stop function is called.
 */
function keepFlooding(port: number, addressCount: number, perAddress: number): () => Promise<void> {
  const flood = { isStopped: false };
  // A call, not a read: the flag changes while a connect is awaited.
  const isStopped = (): boolean => flood.isStopped;
  const open = new Set<{ destroy(): void }>();
  const slot = async (address: string): Promise<void> => {
    for (let attempt = 0; attempt < maxConnectionsPerSlot && !isStopped(); attempt += 1) {
      try {
        const connection = await connectRaw(port, address);
        open.add(connection.socket);
        if (isStopped()) connection.socket.destroy();
        await connection.closed;
        open.delete(connection.socket);
      } catch {
        // Refused while the member restarts its listener: try again, as an attacker would.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  };
  const slots: Promise<void>[] = [];
  for (let address = 0; address < addressCount; address += 1)
    for (let socket = 0; socket < perAddress; socket += 1)
      slots.push(slot(`127.0.0.${address + 2}`));
  return async () => {
    flood.isStopped = true;
    for (const socket of open) socket.destroy();
    await Promise.all(slots);
  };
}

describe('a Raft mesh whose leader is flooded on its peer port', { timeout: 60_000 }, () => {
  test('a restarted follower is heard by the flooded leader, and the leader and term do not change', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'elector-flood-mesh-'));
    let stopFlood: () => Promise<void> = () => Promise.resolve();
    const ids = ['m0', 'm1', 'm2'];
    const ports = await freePorts(ids.length);
    const portOf = (id: string): number => ports[ids.indexOf(id)] ?? 0;
    const secret = randomBytes(24);
    const running = new Map<string, { backend: ElectionBackend; stop: AbortController }>();
    const start = async (id: string): Promise<void> => {
      const backend = createRaftBackend({
        config: {
          id,
          members: ids,
          // Long enough that a loaded machine's scheduling stalls cannot force an election: only
          // the flood could, and the test is that it does not.
          heartbeatIntervalMs: 100,
          electionTimeoutMs: 2000,
          maxClockDrift: 0.05,
        },
        stateDir: join(directory, id),
        listenHost: '127.0.0.1',
        listenPort: portOf(id),
        resolvePeer: (peer) => Promise.resolve({ host: '127.0.0.1', port: portOf(peer) }),
        httpAddressOf: (peer) => `127.0.0.1:${portOf(peer)}`,
        secret,
        clock: systemClock,
        random: seededRandom(ids.indexOf(id) + 1),
        logger: pino({ level: 'silent' }),
        observe: ignoreElectionEvents,
      });
      const stop = new AbortController();
      await backend.start(stop.signal);
      running.set(id, { backend, stop });
    };
    const stop = async (id: string): Promise<void> => {
      const member = running.get(id);
      if (member === undefined) return;
      running.delete(id);
      member.stop.abort();
      await member.backend.stopped();
    };
    // The flood stops first, so the members stop with no new sockets arriving.
    t.after(async () => {
      await stopFlood();
      await Promise.all(ids.map(stop));
      await rm(directory, { recursive: true, force: true });
    });
    await Promise.all(ids.map(start));
    const backendOf = (id: string): ElectionBackend => {
      const member = running.get(id);
      if (member === undefined) throw new Error(`${id} is not running`);
      return member.backend;
    };

    const leaderId = await waitFor(() => ids.find((id) => backendOf(id).current().isSelf), {
      ...wait,
      what: 'a leader',
    });
    const { term } = backendOf(leaderId).current();
    await waitFor(() => ids.every((id) => backendOf(id).current().leader === leaderId), {
      ...wait,
      what: 'every member to know the leader',
    });

    // The defaults: 64 shared slots, 8 per address; 8 addresses fill them all.
    stopFlood = keepFlooding(portOf(leaderId), 8, 8);
    const followerId = ids.find((id) => id !== leaderId) ?? '';
    await stop(followerId);
    await start(followerId);
    const restartedAt = Date.now();
    await waitFor(
      () => {
        const contact = backendOf(leaderId)
          .members()
          .find((member) => member.id === followerId)?.lastContactMs;
        // A message the leader received after the restart: it came from the new process.
        return contact != null && Date.now() - contact > restartedAt;
      },
      { ...wait, what: 'the flooded leader to hear from the restarted follower' },
    );
    await waitFor(() => backendOf(followerId).current().leader === leaderId, {
      ...wait,
      what: 'the restarted follower to follow the same leader',
    });
    const now = backendOf(leaderId).current();
    assert.equal(now.isSelf, true, 'the leader still leads');
    assert.equal(now.term, term, 'in the same term: no election was forced');
    await stopFlood();
  });
});
