// One member of the wire floor mesh of bench/idle.ts: like idle-floor-member.mjs, a Node.js
// process that moves heartbeats and acknowledgements at an idle mesh's rate, but each one goes
// through elector's own wire code (the built dist/): encoded as JSON, sealed with the frame MAC,
// framed; and read back the same way: unframed, MAC checked, parsed and validated. Nothing else:
// no Raft step, no driver, no transport bookkeeping, no metrics. Its CPU is what the peer
// protocol itself costs at that rate, the part no change to elector's Raft code can remove.
//   node bench/idle-wire-floor-member.mjs follower <port>
//   node bench/idle-wire-floor-member.mjs leader <intervalMs> <port>...
import { Buffer } from 'node:buffer';
import { createConnection, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { openFrameBody, sealFrameBody } from '../dist/backends/raft/transport/frame-auth.js';
import { encodeFrame, FrameReader } from '../dist/backends/raft/transport/frame-reader.js';
import { decodePeerMessage, encodePeerMessage } from '../dist/backends/raft/transport/wire.js';
import { args, numberArg, role } from './floor-member-args.mjs';

const secret = Buffer.alloc(24, 7);
const leaderId = 'member-0';
const followerIds = ['member-1', 'member-2'];
const maxFrameBytes = 64 * 1024;
/** Fixed nonces: each side knows the other's without a handshake (this mesh only measures). */
const bindingOf = (senderId, receiverId) => ({
  direction: senderId === leaderId ? 'acceptor-to-dialer' : 'dialer-to-acceptor',
  senderId,
  receiverId,
  senderNonce: Buffer.alloc(32, senderId.length + senderId.charCodeAt(7)),
  receiverNonce: Buffer.alloc(32, receiverId.length + receiverId.charCodeAt(7)),
});
const configurationId = { index: 3, term: 2 };
const desireTag = { counter: 0, author: leaderId };

/** One side of a connection: seals what it sends and opens what it reads, in sequence. */
function wireEnd(socket, sending, reading, onMessage) {
  let sent = 0n;
  let read = 0n;
  const reader = new FrameReader(maxFrameBytes);
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    for (const body of reader.push(chunk).frames) {
      const opened = openFrameBody(secret, reading, read, body);
      if (!opened.ok) throw new Error(`frame refused: ${opened.detail}`);
      read += 1n;
      const decoded = decodePeerMessage(opened.payload);
      if (!decoded.ok) throw new Error(`message refused: ${decoded.detail}`);
      onMessage(decoded.message);
    }
  });
  return (message) => {
    const body = sealFrameBody(secret, sending, sent, encodePeerMessage(message));
    sent += 1n;
    socket.write(encodeFrame(body));
  };
}

if (role === 'follower') {
  const server = createServer((socket) => {
    let self = null;
    let send = null;
    socket.once('data', (chunk) => {
      // The first byte names the follower this connection is for (0 or 1); frames follow.
      self = followerIds[chunk[0]] ?? followerIds[0];
      send = wireEnd(socket, bindingOf(self, leaderId), bindingOf(leaderId, self), (message) => {
        send({
          type: 'heartbeat-response',
          from: self,
          to: leaderId,
          term: message.term,
          echo: message.sentAt,
          success: true,
          eligible: true,
          ownList: { members: [leaderId, ...followerIds], counter: 0 },
          configurationId,
          desireTag,
        });
      });
      if (chunk.byteLength > 1) socket.emit('data', chunk.subarray(1));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(numberArg(0), '127.0.0.1', () => console.log('listening'));
} else if (role === 'leader') {
  const intervalMs = numberArg(0);
  const peers = args.slice(1).map((_, index) => {
    const followerId = followerIds[index] ?? followerIds[0];
    const socket = createConnection(numberArg(index + 1), '127.0.0.1');
    socket.write(Buffer.from([index]));
    socket.on('error', (error) => {
      console.error(`peer ${args[index + 1]}: ${error.message}`);
      process.exit(1);
    });
    const send = wireEnd(
      socket,
      bindingOf(leaderId, followerId),
      bindingOf(followerId, leaderId),
      () => {},
    );
    return { followerId, send };
  });
  const commitIndex = 3;
  setInterval(() => {
    const sentAt = performance.now();
    for (const { followerId, send } of peers) {
      send({
        type: 'heartbeat',
        from: leaderId,
        to: followerId,
        term: 2,
        sentAt,
        configurationId,
        commitIndex,
        desireTag,
        succession: followerIds,
      });
    }
  }, intervalMs);
  console.log('sending');
} else {
  console.error(`role: expected leader or follower; got ${role}`);
  process.exit(2);
}
