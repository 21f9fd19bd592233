// The peer port under a flood from processes without the cluster secret, with real sockets on
// loopback: every 127.x address is a distinct source on Linux, so no namespaces are needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../../../../lab/wait-for.js';
import type { ElectionEvent } from '../../../../src/core/election-events.js';
import {
  AddressBook,
  closedByPeer,
  connectRaw,
  sendUntilReceived,
  startMember,
  vote,
  type Member,
  type RawConnection,
} from './transport-harness.js';

/** Silent sockets from `addressCount` addresses (127.0.0.2 up), `perAddress` each. */
async function holdSlots(
  port: number,
  addressCount: number,
  perAddress: number,
): Promise<RawConnection[]> {
  const held: RawConnection[] = [];
  for (let address = 0; address < addressCount; address += 1) {
    for (let socket = 0; socket < perAddress; socket += 1) {
      held.push(await connectRaw(port, `127.0.0.${address + 2}`));
    }
  }
  return held;
}

function refusals(events: readonly ElectionEvent[], reason: string): number {
  return events.filter(
    (event) => event.type === 'peer-connection-refused' && event.reason === reason,
  ).length;
}

function warnings(member: Member): number {
  return member.logs.filter((line) => line.level === 40).length;
}

describe('peer port under a flood without the secret', { timeout: 30_000 }, () => {
  test('silent sockets holding every pre-authentication slot do not lock a configured peer out', async (t) => {
    const book = new AddressBook();
    // Long enough that the flood outlasts the test: no slot frees up by timing out.
    const overrides = { handshakeTimeoutMs: 20_000 };
    const a = await startMember({ id: 'a', peers: ['b'], book, overrides });
    t.after(() => a.stop());
    // 8 sockets from each of 8 addresses: the defaults' 64 slots, 8 per address.
    const held = await holdSlots(a.port, 8, 8);
    t.after(() => {
      for (const connection of held) connection.socket.destroy();
    });
    const extra = await connectRaw(a.port, '127.0.0.10');
    await closedByPeer(extra);
    assert.equal(refusals(a.events, 'handshake-limit'), 1, 'every unreserved slot is held');

    assert.ok(
      held.every((connection) => !connection.isClosed()),
      'the flood still holds its slots',
    );

    const b = await startMember({ id: 'b', peers: ['a'], book, overrides });
    t.after(() => b.stop());
    book.open();
    await sendUntilReceived(
      b,
      a,
      vote('b', 'a', 7),
      'the genuine peer to reach the flooded member',
    );
    await waitFor(() => b.transport.peerStatus().get('a')?.isConnected === true, {
      timeoutMs: 5000,
      what: "b's connection to a to authenticate",
    });
    assert.ok(
      held.every((connection) => !connection.isClosed()),
      'the flood was not evicted: the peer had capacity of its own',
    );
  });

  test('refusals from 1,500 source addresses are counted by reason but log a bounded number of warnings', async (t) => {
    const book = new AddressBook();
    book.open();
    const a = await startMember({
      id: 'a',
      peers: [],
      book,
      overrides: {
        maxPendingHandshakes: 1,
        maxPendingHandshakesPerAddress: 1,
        handshakeTimeoutMs: 60_000,
      },
    });
    t.after(() => a.stop());
    const holder = await connectRaw(a.port, '127.0.0.2');
    t.after(() => holder.socket.destroy());
    const sources = 1500;
    const batchSize = 100;
    for (let batch = 0; batch < sources / batchSize; batch += 1) {
      const refused = await Promise.all(
        Array.from({ length: batchSize }, (_unused, index) =>
          connectRaw(a.port, `127.1.${batch}.${index + 1}`),
        ),
      );
      await Promise.all(refused.map((connection) => connection.closed));
    }
    await waitFor(() => refusals(a.events, 'handshake-limit') === sources, {
      timeoutMs: 5000,
      what: `${sources} refusals counted`,
    });
    const lines = warnings(a);
    assert.ok(lines <= 20, `at most 20 warning lines for ${sources} sources; got ${lines}`);
  });
});
