// A Raft mesh of the built CLI on the IPv6 loopback, every address given as a bracketed literal
// ([::1]:port): peers, peer HTTP addresses, the advertise address and the listen hosts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startChild, type Child } from '../../lab/child.js';
import { freePorts } from '../../lab/free-port.js';
import type { LeaderAnswer } from '../../lab/sidecar-cluster.js';
import { cliPath } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) =>
  addresses?.some((address) => address.family === 'IPv6' && address.address === '::1'),
);

const directory = mkdtempSync(join(tmpdir(), 'elector-ipv6-'));
const children: Child[] = [];
after(async () => {
  await Promise.all(children.map(async (child) => child.kill('SIGKILL')));
  rmSync(directory, { recursive: true, force: true });
});

async function leaderAnswer(httpPort: number): Promise<LeaderAnswer | null> {
  try {
    const response = await fetch(`http://[::1]:${httpPort}/leader`, {
      signal: AbortSignal.timeout(1000),
    });
    return (await response.json()) as LeaderAnswer;
  } catch {
    return null;
  }
}

test(
  'a three-member Raft mesh on [::1] elects one leader that every member names, and fails over',
  {
    skip: hasIpv6Loopback ? false : 'no IPv6 loopback (::1) on this machine',
    timeout: 120_000,
  },
  async () => {
    const ids = ['v6-0', 'v6-1', 'v6-2'];
    const ports = await freePorts(ids.length * 2);
    const httpPortOf = (index: number): number => ports[index * 2] ?? 0;
    const peerPortOf = (index: number): number => ports[index * 2 + 1] ?? 0;
    const secretFile = join(directory, 'secret');
    writeFileSync(secretFile, randomBytes(24).toString('hex'));
    const peers = ids.map((id, index) => `${id}=[::1]:${peerPortOf(index)}`).join(',');
    const httpAddresses = ids.map((id, index) => `${id}=[::1]:${httpPortOf(index)}`).join(',');
    const members = new Map(
      ids.map((id, index) => {
        const child = startChild(
          process.execPath,
          [
            ...[cliPath, 'run', '--id', id, '--members', ids.join(',')],
            ...['--peers', peers, '--peer-http-addresses', httpAddresses],
            ...['--peer-host', '[::1]', '--peer-port', String(peerPortOf(index))],
            ...['--http-host', '::1', '--http-port', String(httpPortOf(index))],
            ...['--advertise-address', `[::1]:${httpPortOf(index)}`],
            ...['--cluster-secret-file', secretFile, '--state-dir', join(directory, id)],
            ...['--heartbeat-interval', '100ms', '--election-timeout', '0.5s'],
          ],
          { env: { PATH: process.env.PATH ?? '' } },
        );
        children.push(child);
        return [id, { child, httpPort: httpPortOf(index) }] as const;
      }),
    );
    const logs = (): string =>
      [...members].map(([id, { child }]) => `--- ${id}\n${child.output().slice(-3000)}`).join('\n');

    const agreedLeader = async (running: readonly string[]): Promise<LeaderAnswer> =>
      waitFor(
        async () => {
          const answers = await Promise.all(
            running.map(async (id) => leaderAnswer(members.get(id)?.httpPort ?? 0)),
          );
          const acting = answers.filter((answer) => answer?.isSelf === true);
          const leader = acting[0];
          if (acting.length !== 1 || leader === undefined || leader === null) return undefined;
          return answers.every((answer) => answer?.id === leader.self) ? leader : undefined;
        },
        { timeoutMs: 30_000, what: `one leader named by all of ${running.join(', ')}` },
      );

    try {
      const first = await agreedLeader(ids);
      const firstPort = members.get(first.self)?.httpPort;
      assert.equal(first.address, `[::1]:${firstPort}`, 'the leader is advertised bracketed');

      const status = startChild(
        process.execPath,
        [cliPath, 'status', '--url', `http://[::1]:${firstPort}`],
        { env: { PATH: process.env.PATH ?? '' } },
      );
      assert.equal(await status.exited, 0, status.output());
      assert.match(status.output(), new RegExp(`leader ${first.self}`));
      for (const id of ids) assert.match(status.output(), new RegExp(`^${id}\\s.*\\syes$`, 'm'));

      await members.get(first.self)?.child.kill('SIGKILL');
      const second = await agreedLeader(ids.filter((id) => id !== first.self));
      assert.notEqual(second.self, first.self);
      assert.ok((second.fencingToken ?? 0) > (first.fencingToken ?? 0), 'the token increases');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logs()}`, { cause: error });
    }
  },
);

test(
  'the etcd backend reaches an etcd listening on [::1] through --etcd-endpoints [::1]:port',
  {
    skip: !hasIpv6Loopback
      ? 'no IPv6 loopback (::1) on this machine'
      : existsSync('/usr/bin/etcd')
        ? false
        : 'no /usr/bin/etcd',
    timeout: 60_000,
  },
  async () => {
    const [clientPort, peerPort, httpPort] = await freePorts(3);
    const clientUrl = `http://[::1]:${clientPort}`;
    const peerUrl = `http://[::1]:${peerPort}`;
    const etcd = startChild('/usr/bin/etcd', [
      `--data-dir=${join(directory, 'etcd')}`,
      ...[`--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`],
      ...[`--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`],
      `--initial-cluster=default=${peerUrl}`,
    ]);
    children.push(etcd);
    const member = startChild(
      process.execPath,
      [
        ...[cliPath, 'run', '--id', 'e6', '--backend', 'etcd', '--election', 'v6'],
        ...['--etcd-endpoints', `[::1]:${clientPort}`, '--pod-labels=false'],
        ...['--http-host', '::1', '--http-port', String(httpPort)],
        ...['--advertise-address', `[::1]:${httpPort}`],
      ],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    children.push(member);
    try {
      const answer = await waitFor(
        async () => {
          const leader = await leaderAnswer(httpPort ?? 0);
          return leader?.isSelf === true ? leader : undefined;
        },
        { timeoutMs: 30_000, what: 'the etcd member on [::1] to lead' },
      );
      assert.equal(answer.backend, 'etcd');
      assert.equal(answer.address, `[::1]:${httpPort}`);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- etcd\n${etcd.output().slice(-2000)}\n--- elector\n${member.output().slice(-3000)}`,
        { cause: error },
      );
    }
  },
);
