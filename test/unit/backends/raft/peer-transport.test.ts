import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ElectorError } from '../../../../src/core/errors.js';
import type { PeerMessage } from '../../../../src/core/raft/messages.js';
import { waitFor } from '../../../../lab/wait-for.js';
import { sampleMessages } from './peer-messages.js';
import {
  AddressBook,
  connectClient,
  connectRaw,
  countAccepted,
  countDrops,
  pick,
  sendUntilReceived,
  startCluster,
  startLoneMember,
  startMember,
  vote,
  wait,
} from './transport-harness.js';

describe('peer transport over TCP', { timeout: 20_000 }, () => {
  test('three members exchange messages, including ones sent before any peer was reachable', async (t) => {
    const ids = ['a', 'b', 'c'];
    const { book, members } = await startCluster(t, ids);
    // No address resolves yet, so these wait in each peer's queue until its connection is up.
    for (const sender of members) {
      for (const to of ids) if (to !== sender.id) sender.transport.send(vote(sender.id, to, 7));
    }
    book.open();
    await waitFor(() => members.every((member) => member.received.length === 2), {
      ...wait,
      what: 'every member to receive one message from each peer',
    });
    for (const member of members) {
      const senders = member.received.map((message) => message.from).sort();
      assert.deepEqual(
        senders,
        ids.filter((id) => id !== member.id),
      );
      assert.ok(member.received.every((message) => message.to === member.id));
      assert.equal(countAccepted(member.events, 'in'), 2);
      assert.equal(countAccepted(member.events, 'out'), 2);
      assert.deepEqual(
        member.events.filter(
          (event) => event.type === 'peer-message' && event.result === 'dropped',
        ),
        [],
      );
      for (const [peer, status] of member.transport.peerStatus()) {
        assert.equal(status.lastReceivedAt, member.clock.now(), `${member.id} heard ${peer}`);
      }
    }
    await waitFor(
      () =>
        members.every((member) =>
          [...member.transport.peerStatus().values()].every((status) => status.isConnected),
        ),
      { ...wait, what: 'every outbound connection to be up' },
    );
  });

  test('every message type crosses the wire intact', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const [a, b] = [pick(members, 0), pick(members, 1)];
    const sent: PeerMessage[] = sampleMessages.map((message) => ({
      ...message,
      from: 'a',
      to: 'b',
    }));
    for (const message of sent) a.transport.send(message);
    await waitFor(() => b.received.length === sent.length, { ...wait, what: 'all message types' });
    assert.deepEqual(b.received, sent);
  });

  test('after a peer restarts on the same port, messages flow to it again', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const [a, b] = [pick(members, 0), pick(members, 1)];
    await sendUntilReceived(a, b, vote('a', 'b', 1), 'the first message');
    await b.stop();
    await waitFor(() => a.transport.peerStatus().get('b')?.isConnected === false, {
      ...wait,
      what: 'a to notice that b is gone',
    });
    const restarted = await startMember({
      id: 'b',
      peers: ['a'],
      book,
      overrides: { listenPort: b.port },
    });
    t.after(() => restarted.stop());
    assert.equal(restarted.port, b.port);
    await sendUntilReceived(a, restarted, vote('a', 'b', 2), 'a message to the restarted b');
    await sendUntilReceived(restarted, a, vote('b', 'a', 3), 'a message from the restarted b');
  });

  test('a restarted peer is redialled as soon as it connects to us, not after the backoff', async (t) => {
    // A backoff far longer than the test: only the peer's own connection can wake the redial.
    const slow = { backoff: { baseDelayMs: 60_000, maxDelayMs: 60_000 } };
    const book = new AddressBook();
    const a = await startMember({ id: 'a', peers: ['b'], book, overrides: slow });
    t.after(() => a.stop());
    book.open();
    // b is not there yet: a's first dial fails and a settles into its long backoff.
    await waitFor(() => a.logs.some((line) => line.event === 'peer.dial.failed'), {
      ...wait,
      what: 'a failed dial to b',
    });
    const b = await startMember({ id: 'b', peers: ['a'], book });
    t.after(() => b.stop());
    await sendUntilReceived(b, a, vote('b', 'a', 1), 'b reaching a');
    await waitFor(() => a.transport.peerStatus().get('b')?.isConnected === true, {
      ...wait,
      what: 'a to redial b at once',
    });
    await sendUntilReceived(a, b, vote('a', 'b', 2), 'a reaching b');
  });

  test('the peer address is resolved again after a failed dial, so a moved peer is found', async (t) => {
    const book = new AddressBook();
    book.open();
    const b = await startMember({ id: 'b', peers: ['a'], book });
    t.after(() => b.stop());
    // The port of a stopped member refuses connections, like the old address of a moved pod.
    const spare = await startMember({ id: 'x', peers: [], book: new AddressBook() });
    await spare.stop();
    const gone = spare.port;
    const lookups: number[] = [];
    const a = await startMember({
      id: 'a',
      peers: ['b'],
      book,
      overrides: {
        resolvePeer: (id) => {
          lookups.push(lookups.length);
          const port = lookups.length === 1 ? gone : b.port;
          return id === 'b'
            ? Promise.resolve({ host: '127.0.0.1', port })
            : Promise.reject(new Error(id));
        },
      },
    });
    t.after(() => a.stop());
    const sent = vote('a', 'b', 8);
    await waitFor(
      () => {
        if (b.received.some((message) => message.term === 8)) return true;
        a.transport.send(sent);
        return false;
      },
      { ...wait, what: 'b to receive from a after a re-resolve' },
    );
    assert.ok(lookups.length >= 2, `resolved ${lookups.length} times`);
    assert.ok(a.logs.some((line) => line.event === 'peer.dial.failed'));
  });

  test('sends that cannot be delivered are dropped with a reason', async (t) => {
    const book = new AddressBook();
    const a = await startMember({
      id: 'a',
      peers: ['b'],
      book,
      overrides: { maxQueuedMessages: 4, maxPeers: 1 },
    });
    t.after(() => a.stop());
    a.transport.send(vote('a', 'z', 1));
    assert.equal(countDrops(a.events, 'out', 'unknown-peer'), 1, 'one peer more than maxPeers');
    a.transport.send(vote('x', 'b', 1));
    assert.equal(countDrops(a.events, 'out', 'malformed'), 1);
    for (let index = 0; index < 20; index += 1) a.transport.send(vote('a', 'b', index));
    assert.equal(countDrops(a.events, 'out', 'queue-full'), 16, 'four wait, the rest are refused');
    book.open(); // 'b' has no address: the dial fails, and the four queued messages are dropped.
    await waitFor(() => countDrops(a.events, 'out', 'unreachable') >= 4, {
      ...wait,
      what: 'queued messages to be dropped as unreachable',
    });
    assert.equal(countAccepted(a.events, 'out'), 0);
  });

  test('drop warnings are logged at most once per peer and reason per minute', async (t) => {
    const book = new AddressBook();
    const a = await startMember({ id: 'a', peers: ['b'], book, overrides: { maxPeers: 1 } });
    t.after(() => a.stop());
    const warnings = (reason: string): readonly Record<string, unknown>[] =>
      a.logs.filter((line) => line.event === 'peer.message.dropped' && line.reason === reason);
    for (let index = 0; index < 100; index += 1) a.transport.send(vote('a', 'z', index));
    assert.equal(countDrops(a.events, 'out', 'unknown-peer'), 100, 'every drop is counted');
    assert.equal(warnings('unknown-peer').length, 1);
    a.clock.advance(59_999);
    a.transport.send(vote('a', 'z', 100));
    assert.equal(warnings('unknown-peer').length, 1);
    a.clock.advance(1);
    a.transport.send(vote('a', 'z', 101));
    assert.equal(warnings('unknown-peer').length, 2);
    assert.equal(warnings('unknown-peer')[1]?.suppressed, 100);
    a.transport.send(vote('a', 'y', 1));
    assert.equal(warnings('unknown-peer').length, 3, 'another peer gets its own warning');
    assert.equal(warnings('unknown-peer')[2]?.level, 40, 'logged at warn');
  });

  test('a handler that throws does not stop other handlers or later messages', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const [a, b] = [pick(members, 0), pick(members, 1)];
    b.transport.onMessage(() => {
      throw new Error('handler bug');
    });
    const asyncHandler = (): Promise<void> => Promise.reject(new Error('async handler bug'));
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- on purpose: an async handler must be contained too
    b.transport.onMessage(asyncHandler);
    await sendUntilReceived(a, b, vote('a', 'b', 1), 'the first message');
    await sendUntilReceived(a, b, vote('a', 'b', 2), 'the second message');
    await waitFor(() => b.events.filter((event) => event.type === 'backend-error').length >= 4, {
      ...wait,
      what: 'both handler failures of both messages to be counted',
    });
  });

  test('an accepted connection sends keepalives, and a silent one is redialled', async (t) => {
    const a = await startLoneMember(t, ['b'], { keepaliveIntervalMs: 20, idleTimeoutMs: 200 });
    const client = await connectClient(a.port, 'b');
    t.after(() => client.socket.destroy());
    await waitFor(() => client.keepalives() >= 3, { ...wait, what: 'three keepalives' });

    // A fake peer that completes the handshake but then says nothing, like a vanished pod.
    const silentBook = new AddressBook();
    const silentPeer = await startMember({
      id: 'b',
      peers: ['c'],
      book: new AddressBook(),
      overrides: { keepaliveIntervalMs: 60_000, idleTimeoutMs: 120_000 },
    });
    t.after(() => silentPeer.stop());
    silentBook.addresses.set('b', { host: '127.0.0.1', port: silentPeer.port });
    silentBook.open();
    const dialer = await startMember({
      id: 'c',
      peers: ['b'],
      book: silentBook,
      overrides: { keepaliveIntervalMs: 20, idleTimeoutMs: 100 },
    });
    t.after(() => dialer.stop());
    await waitFor(() => dialer.logs.filter((line) => line.event === 'peer.connected').length >= 2, {
      ...wait,
      what: 'the dialer to give up on the silent connection and connect again',
    });
    assert.ok(dialer.logs.some((line) => line.event === 'peer.connection.idle'));
  });

  test('while the outbound connection is up, messages travel over the connection the peer dialled, which then needs no keepalives', async (t) => {
    const keepaliveIntervalMs = 200;
    const book = new AddressBook();
    const overrides = { keepaliveIntervalMs, idleTimeoutMs: 5000 };
    const a = await startMember({ id: 'a', peers: ['b'], book, overrides });
    t.after(() => a.stop());
    // The real 'b' only accepts a's connection; the hand-driven client plays b's own dialer.
    const b = await startMember({ id: 'b', peers: [], book, overrides });
    t.after(() => b.stop());
    book.open();
    await waitFor(() => a.transport.peerStatus().get('b')?.isConnected === true, {
      ...wait,
      what: "a's outbound connection to b",
    });
    const client = await connectClient(a.port, 'b');
    t.after(() => client.socket.destroy());
    assert.equal(await client.handshake, true);
    await waitFor(() => client.keepalives() >= 1, { ...wait, what: 'a keepalive while quiet' });

    // Each message is sent once the previous one arrived, for several keepalive intervals.
    const keepalivesBefore = client.keepalives();
    const startedAt = performance.now();
    let term = 1;
    while (performance.now() - startedAt < 4 * keepaliveIntervalMs) {
      a.transport.send(vote('a', 'b', term));
      const expected = term;
      await waitFor(() => client.messages().length === expected, {
        ...wait,
        intervalMs: 1,
        what: `message ${expected} over the connection b dialled`,
      });
      term += 1;
    }
    assert.equal(client.keepalives(), keepalivesBefore, 'no keepalive while messages flow');
    assert.deepEqual(b.received, [], "nothing went over a's own outbound connection");

    await waitFor(() => client.keepalives() >= keepalivesBefore + 2, {
      ...wait,
      what: 'keepalives again once no message is sent',
    });
  });

  test('while the outbound connection is down, nothing is sent over the connection the peer dialled', async (t) => {
    // 'b' has no address, so a's dials to it fail; b's own dialer reaches a all the same.
    const a = await startLoneMember(t, ['b']);
    const client = await connectClient(a.port, 'b');
    t.after(() => client.socket.destroy());
    assert.equal(await client.handshake, true);
    await waitFor(
      () => {
        a.transport.send(vote('a', 'b', 1));
        return countDrops(a.events, 'out', 'unreachable') >= 3;
      },
      { ...wait, what: 'messages to b to be dropped as unreachable' },
    );
    assert.equal(countAccepted(a.events, 'out'), 0);
    assert.deepEqual(client.messages(), []);
  });

  test('stopping closes the listener and every connection, and later sends are dropped', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const [a, b] = [pick(members, 0), pick(members, 1)];
    await sendUntilReceived(a, b, vote('a', 'b', 1), 'a first message');
    await a.stop();
    await assert.rejects(connectRaw(a.port), /ECONNREFUSED/);
    a.transport.send(vote('a', 'b', 2));
    assert.ok(countDrops(a.events, 'out', 'unreachable') >= 1);
    await waitFor(() => b.transport.peerStatus().get('a')?.isConnected === false, {
      ...wait,
      what: 'b to see a gone',
    });
  });

  test('listening on a port in use rejects with a retryable BACKEND_UNAVAILABLE', async (t) => {
    const { members } = await startCluster(t, ['a']);
    const a = pick(members, 0);
    await assert.rejects(
      startMember({
        id: 'b',
        peers: [],
        book: new AddressBook(),
        overrides: { listenPort: a.port },
      }),
      (error: unknown) =>
        error instanceof ElectorError &&
        error.code === 'BACKEND_UNAVAILABLE' &&
        error.retryable &&
        error.message.includes(String(a.port)),
    );
    await assert.rejects(a.transport.start(new AbortController().signal), (error: unknown) => {
      return error instanceof ElectorError && error.code === 'INTERNAL';
    });
  });
});
