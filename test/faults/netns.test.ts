import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Child } from '../../lab/child.js';
import { NetnsLab } from '../../lab/netns.js';
import { waitFor } from '../../lab/wait-for.js';

const execFileAsync = promisify(execFile);
const tcpPort = 4000;
const udpPort = 4001;

// Inside member 0: a TCP server that greets, and a UDP server that logs and echoes.
const serverScript = `
const net = require('node:net'), dgram = require('node:dgram');
net.createServer((s) => s.end('hi')).listen(${tcpPort}, '0.0.0.0');
const udp = dgram.createSocket('udp4');
udp.on('message', (m, r) => { console.log('udp ' + m); udp.send(m, r.port, r.address); });
udp.bind(${udpPort}, '0.0.0.0', () => console.log('ready'));
`;

// Run inside a member namespace: exits 0 if the TCP greeting arrives within 400 ms.
const probeScript = `
const s = require('node:net').connect({ host: process.argv[1], port: ${tcpPort} });
s.on('data', () => process.exit(0)); s.on('error', () => process.exit(1));
setTimeout(() => process.exit(1), 400);
`;

/** From the test process, optionally from a given local address: does the greeting arrive? */
async function reachesFromHost(host: string, localAddress?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port: tcpPort, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 400);
    socket.on('data', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

describe('the network namespace lab', () => {
  let lab: NetnsLab;
  let server: Child;

  async function reachesFrom(index: number, host: string): Promise<boolean> {
    const probe = lab.spawn(index, process.execPath, ['-e', probeScript, host], {});
    return (await probe.exited) === 0;
  }

  before(async () => {
    lab = await NetnsLab.create({ prefix: 'elxn', size: 3, subnet: 77 });
    server = lab.spawn(0, process.execPath, ['-e', serverScript], {});
    await waitFor(() => server.output().includes('ready'), { timeoutMs: 5000, what: 'servers' });
  });

  after(async () => {
    await server.kill('SIGKILL');
    await lab.destroy();
  });

  test('connects members and the test process on a private segment with no route elsewhere', async () => {
    const m0 = lab.member(0).address;
    assert.equal(await reachesFromHost(m0), true);
    assert.equal(await reachesFrom(1, m0), true);
    const { stdout } = await execFileAsync('ip', ['-n', lab.member(1).namespace, 'route']);
    assert.doesNotMatch(stdout, /default/);
    assert.match(stdout, /^10\.77\.77\.0\/24 dev elxn-m1/m);
  });

  test('isolate cuts a member off from its peers, directly and through proxies, not from the test process', async () => {
    const m0 = lab.member(0);
    const fault = await lab.isolate(0);
    assert.equal(await reachesFrom(1, m0.address), false);
    assert.equal(await reachesFromHost(m0.address, lab.member(2).proxyAddress), false);
    assert.equal(await reachesFromHost(m0.address), true);
    await fault.heal();
    assert.equal(await reachesFrom(1, m0.address), true);
    assert.equal(await reachesFromHost(m0.address, lab.member(2).proxyAddress), true);
  });

  test('cut separates two members while both still reach the third', async () => {
    const fault = await lab.cut(0, 1);
    assert.equal(await reachesFrom(1, lab.member(0).address), false);
    assert.equal(await reachesFrom(2, lab.member(0).address), true);
    await fault.heal();
    assert.equal(await reachesFrom(1, lab.member(0).address), true);
  });

  test('oneWay drops what one member sends to another and nothing the other sends back', async () => {
    const udp = createSocket('udp4');
    const replies: string[] = [];
    udp.on('message', (message) => replies.push(message.toString()));
    await new Promise<void>((resolve) => udp.bind(0, lab.member(1).proxyAddress, resolve));
    try {
      const fault = await lab.oneWay(0, 1);
      udp.send('one', udpPort, lab.member(0).address);
      await waitFor(() => server.output().includes('udp one'), {
        timeoutMs: 2000,
        what: 'member 0 to receive from member 1',
      });
      await fault.heal();
      udp.send('two', udpPort, lab.member(0).address);
      await waitFor(() => replies.includes('two'), {
        timeoutMs: 2000,
        what: 'the reply after heal',
      });
      assert.deepEqual(
        replies,
        ['two'],
        'the reply to "one" was dropped on the way out of member 0',
      );
    } finally {
      udp.close();
    }
  });

  test('linkDown makes a member unreachable even to the test process, until healed', async () => {
    const fault = await lab.linkDown(0);
    assert.equal(await reachesFromHost(lab.member(0).address), false);
    await fault.heal();
    await waitFor(() => reachesFromHost(lab.member(0).address), {
      timeoutMs: 5000,
      what: 'member 0 back after link up',
    });
  });

  test('a fault nobody heals heals itself when its time is up', async () => {
    await lab.isolate(0, 300);
    assert.equal(await reachesFrom(1, lab.member(0).address), false);
    await waitFor(() => reachesFrom(1, lab.member(0).address), {
      timeoutMs: 5000,
      what: 'the isolation to lift itself',
    });
  });

  test('creating a lab with a prefix in use first removes what that prefix left behind', async () => {
    const first = await NetnsLab.create({ prefix: 'elxo', size: 1, subnet: 75 });
    const orphan = first.spawn(0, 'sleep', ['30'], {});
    const second = await NetnsLab.create({ prefix: 'elxo', size: 2, subnet: 75 });
    assert.equal(await orphan.exited, 'SIGKILL', 'a process left in an old namespace is killed');
    const { stdout } = await execFileAsync('ip', ['netns', 'list']);
    assert.deepEqual(
      stdout
        .split('\n')
        .map((line) => line.split(' ')[0])
        .filter((name) => name?.startsWith('elxo-'))
        .sort(),
      ['elxo-hub', 'elxo-m0', 'elxo-m1'],
    );
    await second.destroy();
    await first.destroy();
    const { stdout: afterwards } = await execFileAsync('ip', ['-o', 'link', 'show']);
    assert.doesNotMatch(afterwards, /elxo-/);
  });
});
