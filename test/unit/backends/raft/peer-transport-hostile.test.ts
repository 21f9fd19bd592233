import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeHello } from '../../../../src/backends/raft/transport/frame-auth.js';
import { encodeFrame } from '../../../../src/backends/raft/transport/frame-reader.js';
import { waitFor } from '../../../../lab/wait-for.js';
import {
  AddressBook,
  closedByPeer,
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

/** Peers that lack the secret, lie, replay, flood or send garbage: none of it gets through. */
describe('peer transport under hostile input', { timeout: 20_000 }, () => {
  test('a process without the cluster secret can neither deliver a message nor stay connected', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b', 'c']);
    book.open();
    const a = pick(members, 0);
    const impostorBook = new AddressBook();
    impostorBook.addresses.set('a', { host: '127.0.0.1', port: a.port });
    impostorBook.open();
    const impostor = await startMember({
      id: 'c',
      peers: ['a'],
      book: impostorBook,
      overrides: { secret: Buffer.alloc(32, 0x01) },
    });
    t.after(() => impostor.stop());
    await waitFor(
      () => {
        impostor.transport.send(vote('c', 'a', 999));
        return countDrops(a.events, 'in', 'unauthenticated') >= 3;
      },
      { ...wait, what: 'the member to refuse three handshakes from the impostor' },
    );
    assert.ok(!a.received.some((message) => message.term === 999), 'no impostor message delivered');
    assert.equal(impostor.transport.peerStatus().get('a')?.isConnected, false);
    assert.equal(countAccepted(impostor.events, 'out'), 0);
    assert.equal(countAccepted(impostor.events, 'in'), 0);
    assert.ok(
      a.events.some(
        (event) =>
          event.type === 'peer-message' &&
          event.reason === 'unauthenticated' &&
          event.messageType === 'handshake',
      ),
    );
  });

  test('messages whose sender or recipient does not match the connection are dropped', async (t) => {
    const a = await startLoneMember(t, ['b', 'c']);
    const client = await connectClient(a.port, 'b');
    t.after(() => client.socket.destroy());
    await waitFor(() => client.channel.isAuthenticated, { ...wait, what: 'the handshake' });
    client.sendMessage(vote('c', 'a', 1));
    client.sendMessage(vote('b', 'c', 2));
    client.sendPayload(Buffer.from('{"type":"vote"'));
    client.sendMessage(vote('b', 'a', 3));
    await waitFor(() => a.received.length === 1, { ...wait, what: 'the one valid message' });
    assert.deepEqual(a.received, [vote('b', 'a', 3)]);
    assert.equal(countDrops(a.events, 'in', 'unauthenticated'), 1);
    assert.equal(countDrops(a.events, 'in', 'not-for-us'), 1);
    assert.equal(countDrops(a.events, 'in', 'malformed'), 1);
    assert.equal(client.isClosed(), false, 'a dropped message does not cost the connection');
  });

  test('an oversize frame length closes the connection before its body is read', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const a = pick(members, 0);
    const raw = await connectRaw(a.port);
    raw.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await closedByPeer(raw);
    assert.equal(countDrops(a.events, 'in', 'oversize'), 1);
  });

  test('connections sending random bytes, random frames or truncated frames are closed and deliver nothing (property)', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b']);
    book.open();
    const [a, b] = [pick(members, 0), pick(members, 1)];
    const hello = encodeFrame(encodeHello({ memberId: 'b', nonce: Buffer.alloc(32, 4) }));
    const streams = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 5000 }),
      fc
        .array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 5 })
        .map((bodies) => Buffer.concat(bodies.map((body) => encodeFrame(body)))),
      fc.nat({ max: hello.byteLength - 1 }).map((cut) => hello.subarray(0, cut + 1)),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((tail) => Buffer.concat([hello, tail])),
    );
    await fc.assert(
      fc.asyncProperty(streams, async (bytes) => {
        const raw = await connectRaw(a.port);
        raw.socket.end(bytes);
        await closedByPeer(raw);
      }),
      { numRuns: 40 },
    );
    assert.deepEqual(a.received, []);
    const traffic = a.events.filter((event) => event.type === 'peer-message');
    assert.ok(traffic.length > 0, 'garbage was counted');
    assert.ok(
      traffic.every((event) => event.result === 'dropped'),
      'and none of it accepted',
    );
    await sendUntilReceived(b, a, vote('b', 'a', 5), 'a real peer to get through afterwards');
  });

  test('a connection that never finishes its handshake is closed and counted', async (t) => {
    const { book, members } = await startCluster(t, ['a', 'b'], { handshakeTimeoutMs: 100 });
    book.open();
    const a = pick(members, 0);
    const raw = await connectRaw(a.port);
    await closedByPeer(raw);
    assert.ok(
      a.events.some(
        (event) =>
          event.type === 'peer-message' &&
          event.reason === 'unauthenticated' &&
          event.messageType === 'handshake',
      ),
    );
  });

  test('a captured connection replayed from another socket is refused', async (t) => {
    const a = await startLoneMember(t, ['b']);
    const client = await connectClient(a.port, 'b');
    t.after(() => client.socket.destroy());
    await waitFor(() => client.channel.isAuthenticated, { ...wait, what: 'the handshake' });
    client.sendMessage(vote('b', 'a', 6));
    await waitFor(() => a.received.length === 1, { ...wait, what: 'the genuine message' });
    const before = countDrops(a.events, 'in', 'unauthenticated');
    const replay = await connectRaw(a.port);
    replay.socket.write(Buffer.concat(client.sentBodies.map((body) => encodeFrame(body))));
    await closedByPeer(replay);
    assert.equal(countDrops(a.events, 'in', 'unauthenticated'), before + 1);
    assert.equal(a.received.length, 1, 'the replayed message was not delivered again');
  });

  test('connections beyond the handshake limits are closed on arrival, and slots free up again', async (t) => {
    const a = await startLoneMember(t, ['b'], {
      maxPendingHandshakes: 3,
      maxPendingHandshakesPerAddress: 2,
      handshakeTimeoutMs: 10_000,
    });
    const silent = [await connectRaw(a.port), await connectRaw(a.port)];
    const overAddressLimit = await connectRaw(a.port);
    await closedByPeer(overAddressLimit);
    silent.push(await connectRaw(a.port, '127.0.0.2'));
    const overTotalLimit = await connectRaw(a.port, '127.0.0.3');
    await closedByPeer(overTotalLimit);
    assert.ok(
      silent.every((connection) => !connection.isClosed()),
      'within the limits stay open',
    );
    for (const connection of silent) connection.socket.destroy();
    await Promise.all(silent.map((connection) => connection.closed));
    await waitFor(
      async () => {
        const client = await connectClient(a.port, 'b');
        const isAuthenticated = await client.handshake;
        client.socket.destroy();
        return isAuthenticated;
      },
      { ...wait, what: 'a handshake to succeed once the silent connections closed' },
    );
  });

  test("a peer's newest connection replaces its older one, as after a restart", async (t) => {
    const a = await startLoneMember(t, ['b']);
    const old = await connectClient(a.port, 'b');
    t.after(() => old.socket.destroy());
    assert.equal(await old.handshake, true);
    const fresh = await connectClient(a.port, 'b');
    t.after(() => fresh.socket.destroy());
    assert.equal(await fresh.handshake, true);
    await closedByPeer(old);
    fresh.sendMessage(vote('b', 'a', 4));
    await waitFor(() => a.received.length === 1, {
      ...wait,
      what: 'the message on the new connection',
    });
    assert.equal(fresh.isClosed(), false);
  });
});
