import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import {
  candidateRanges,
  ephemeralRange,
  freePort,
  freePorts,
  reservationPathOf,
} from '../../../lab/free-port.js';

/** A port in the candidate ranges that nobody has reserved (checked, not reserved). */
function unreservedCandidate(): number {
  const [from, to] = candidateRanges()[0] ?? [10_000, 10_999];
  for (;;) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (!existsSync(reservationPathOf(port))) return port;
  }
}

/** A picker that proposes `ports` in order, then fails the test if asked again. */
function proposing(...ports: number[]): () => number {
  const queue = [...ports];
  return () => queue.shift() ?? assert.fail('asked for more candidates than expected');
}

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function startIdleChild(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  await once(child, 'spawn');
  const pid = child.pid ?? assert.fail('the child has no PID');
  return {
    pid,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('ports come from 10000 up and outside the ephemeral range, distinct, reserved and free to bind', async () => {
  const { low, high } = ephemeralRange();
  const ports = await freePorts(40);
  assert.equal(new Set(ports).size, 40);
  for (const port of ports) {
    assert.ok(port >= 10_000 && (port < low || port > high), `${port} lies outside ${low}-${high}`);
    assert.equal(readFileSync(reservationPathOf(port), 'utf8'), String(process.pid));
    (await listenOn(port)).close();
  }
});

test('a port reserved by a live process is passed over; one left by a dead process is taken over', async () => {
  const other = await startIdleChild();
  const taken = unreservedCandidate();
  writeFileSync(reservationPathOf(taken), String(other.pid), { flag: 'wx' });
  const spare = unreservedCandidate();
  assert.equal(await freePort(proposing(taken, spare)), spare);
  assert.equal(readFileSync(reservationPathOf(taken), 'utf8'), String(other.pid));

  await other.stop();
  assert.equal(await freePort(proposing(taken)), taken);
  assert.equal(readFileSync(reservationPathOf(taken), 'utf8'), String(process.pid));
});

test('a port something listens on is passed over and its reservation dropped', async () => {
  const busy = unreservedCandidate();
  const server = await listenOn(busy);
  try {
    const spare = unreservedCandidate();
    assert.equal(await freePort(proposing(busy, spare)), spare);
    assert.equal(existsSync(reservationPathOf(busy)), false);
  } finally {
    server.close();
  }
});

test('the reservations of a process end when it exits', async () => {
  const script = `import('./lab/free-port.ts').then(async ({ freePorts }) => {
    console.log((await freePorts(3)).join(','));
  });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  const ports = output.trim().split(',').map(Number);
  assert.equal(ports.length, 3);
  for (const port of ports) assert.equal(existsSync(reservationPathOf(port)), false, `${port}`);
});
