import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isMembershipDiscovery,
  peerMessageTypes,
  type PeerMessage,
  type PeerMessageType,
} from '../../../../src/core/raft/messages.js';

/**
 * Every peer message type, and whether it is about founding and discovery (outside terms). The
 * compiler checks that this names each member of the PeerMessage union exactly once, so the
 * list below follows the protocol's types, not the list under test.
 */
const isDiscoveryByType = {
  'pre-vote': false,
  'pre-vote-response': false,
  vote: false,
  'vote-response': false,
  heartbeat: false,
  'heartbeat-response': false,
  'timeout-now': false,
  found: true,
  'found-response': true,
  hello: true,
  'hello-response': true,
} as const satisfies Record<PeerMessageType, boolean>;

test('the list of peer message types names every message of the protocol once (the transport accepts only these, and metrics label by them)', () => {
  assert.deepEqual([...peerMessageTypes].sort(), Object.keys(isDiscoveryByType).sort());
  assert.equal(new Set(peerMessageTypes).size, peerMessageTypes.length, 'no type twice');
});

test('only founding and discovery messages stand outside terms', () => {
  for (const [type, isDiscovery] of Object.entries(isDiscoveryByType)) {
    const message = { type, from: 'a', to: 'b', term: 1 } as unknown as PeerMessage;
    assert.equal(isMembershipDiscovery(message), isDiscovery, type);
  }
});
