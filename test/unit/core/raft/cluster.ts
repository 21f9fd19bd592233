import assert from 'node:assert/strict';
import { durable, H } from './fixtures.js';
import { Network } from './network.js';

/** A founded a, b, c with a leading and its own entry committed; returns the network and the time. */
export function ledCluster(): { net: Network; now: number } {
  const three = ['a', 'b', 'c'];
  const net = new Network();
  for (const id of three) net.add(id, three, durable(1, null));
  const a = net.member('a');
  let now = a.state.electionDeadline;
  // Only a's timer runs out: b and c keep hearing from it.
  net.tick('a', now);
  net.settle(now);
  now = net.runUntil(now, now + 20 * H, H, () => a.state.commitIndex >= 2);
  assert.ok(a.state.isActing, 'a leads');
  return { net, now };
}
