import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerMessageTypes, type PeerMessage } from '../../src/core/raft/messages.js';
import { decodePeerMessage, encodePeerMessage } from '../../src/backends/raft/transport/wire.js';
import { runSeed } from './scenario.js';

const seedCount = Number(process.env.ELECTOR_WIRE_SEEDS ?? 200);

// The encoder does not validate (wire.ts says why): this is the proof that it need not. Every
// message the core sends, through elections, handovers, crashes, partitions, member-list rolls
// and priorities, must reach a peer exactly as it was built, and be accepted there.
test(`every message the core sends over ${seedCount} random seeds passes the receiver's validation unchanged`, () => {
  const seen = new Map<string, number>();
  const check = (message: PeerMessage): void => {
    const decoded = decodePeerMessage(encodePeerMessage(message));
    if (!decoded.ok) {
      assert.fail(`${message.type} refused (${decoded.detail}): ${JSON.stringify(message)}`);
    }
    assert.deepEqual(decoded.message, message);
    seen.set(message.type, (seen.get(message.type) ?? 0) + 1);
  };
  for (let seed = 1; seed <= seedCount; seed++) {
    const outcome = runSeed(seed, { traceLimit: 0, onSend: check });
    assert.equal(outcome.violation, null, `seed ${seed}`);
  }
  assert.deepEqual(
    peerMessageTypes.filter((type) => !seen.has(type)),
    [],
    `message types never sent: counts ${JSON.stringify(Object.fromEntries(seen))}`,
  );
});
