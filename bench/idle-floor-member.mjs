// One member of the idle floor mesh of bench/idle.ts: a Node.js process that only moves bytes at
// the rate and sizes an idle elector mesh moves them, with none of elector's work (no framing,
// MAC, JSON, validation or Raft step). Its CPU is the part of a sidecar's idle cost that Node.js,
// V8 and the kernel take for the traffic alone.
//   node bench/idle-floor-member.mjs follower <port> <replyBytes>
//   node bench/idle-floor-member.mjs leader <intervalMs> <frameBytes> <port>...
// A follower answers every read with one write of replyBytes, as a follower acknowledges every
// heartbeat; the leader writes frameBytes to each follower every intervalMs, as it sends a
// heartbeat round. Plain JavaScript, run without a TypeScript loader, like the built CLI.
import { Buffer } from 'node:buffer';
import { createConnection, createServer } from 'node:net';
import { setInterval } from 'node:timers';
import { args, numberArg, role } from './floor-member-args.mjs';

if (role === 'follower') {
  const reply = Buffer.alloc(numberArg(1), 'f');
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', () => socket.write(reply));
    socket.on('error', () => socket.destroy());
  });
  server.listen(numberArg(0), '127.0.0.1', () => console.log('listening'));
} else if (role === 'leader') {
  const intervalMs = numberArg(0);
  const frame = Buffer.alloc(numberArg(1), 'l');
  const sockets = args.slice(2).map((_, index) => {
    const socket = createConnection(numberArg(index + 2), '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('data', () => {});
    socket.on('error', (error) => {
      console.error(`peer ${args[index + 2]}: ${error.message}`);
      process.exit(1);
    });
    return socket;
  });
  setInterval(() => {
    for (const socket of sockets) socket.write(frame);
  }, intervalMs);
  console.log('sending');
} else {
  console.error(`role: expected leader or follower; got ${role}`);
  process.exit(2);
}
