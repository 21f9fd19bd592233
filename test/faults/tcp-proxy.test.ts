import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TcpProxy } from '../../lab/tcp-proxy.js';
import { waitFor } from '../../lab/wait-for.js';

/** Connects through `proxy` and collects what the echo server sends back. */
async function open(proxy: TcpProxy): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text };
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
}

describe('the fault-injecting TCP proxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  const echoSockets = new Set<Socket>();

  before(async () => {
    echo = createServer((socket) => {
      echoSockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        echoSockets.delete(socket);
      });
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address();
    assert.ok(typeof address === 'object' && address !== null);
    proxy = await TcpProxy.start({
      listenHost: '127.0.0.1',
      listenPort: 0,
      targetHost: '127.0.0.1',
      targetPort: address.port,
    });
  });

  after(async () => {
    await proxy.stop();
    for (const socket of echoSockets) socket.destroy();
    await new Promise<void>((resolve) =>
      echo.close(() => {
        resolve();
      }),
    );
  });

  test('carries bytes both ways unchanged', async () => {
    const { socket, received } = await open(proxy);
    socket.write('hello');
    await waitFor(() => received() === 'hello', { timeoutMs: 2000, what: 'the echo' });
    socket.destroy();
  });

  test('delays one direction by the given time', async () => {
    const { socket, received } = await open(proxy);
    proxy.setDelay('forward', 150, 5000);
    const sentAt = performance.now();
    socket.write('late');
    await waitFor(() => received() === 'late', { timeoutMs: 2000, what: 'the delayed echo' });
    assert.ok(performance.now() - sentAt >= 145, 'the echo came back after the delay');
    proxy.heal();
    socket.destroy();
  });

  test('holds bytes while stalled and delivers them in order on heal', async () => {
    const { socket, received } = await open(proxy);
    proxy.stall('backward', 5000);
    socket.write('one ');
    socket.write('two');
    await waitFor(() => proxy.stats.forwardBytes >= 7, { timeoutMs: 2000, what: 'bytes to pass' });
    assert.equal(received(), '', 'nothing comes back while stalled');
    proxy.heal();
    await waitFor(() => received() === 'one two', { timeoutMs: 2000, what: 'held bytes' });
    socket.destroy();
  });

  test('drops open connections and refuses new ones until healed', async () => {
    const { socket } = await open(proxy);
    const dropped = closed(socket);
    const dropsBefore = proxy.stats.drops;
    proxy.refuse(5000);
    await dropped;
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    refused.on('error', () => undefined);
    await closed(refused);
    assert.ok(proxy.stats.drops > dropsBefore);
    proxy.heal();
    const again = await open(proxy);
    again.socket.write('back');
    await waitFor(() => again.received() === 'back', { timeoutMs: 2000, what: 'a new connection' });
    again.socket.destroy();
  });

  test('heals a fault by itself once its time is up', async () => {
    const { socket, received } = await open(proxy);
    proxy.stall('both', 100);
    socket.write('soon');
    await waitFor(() => received() === 'soon', { timeoutMs: 3000, what: 'the self-heal' });
    socket.destroy();
  });
});
