// The ZooKeeper layout against the ecosystem's own clients: the ZooKeeper CLI lists the election
// in elector's order, kazoo-style and Curator-style participants read elector's leader, a kazoo
// participant queues behind elector members, and nodes elector did not write (another client's,
// or an older elector's) keep their place in the queue.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateMode, type Client } from 'node-zookeeper-client';
import { waitFor } from '../../../lab/wait-for.js';
import { ElectorError } from '../../../src/core/errors.js';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';
import { childrenOf, createForeignParticipant } from './foreign-participants.js';
import {
  connectInspector,
  createMember,
  explainFailure,
  waitForOneLeader,
  type Member,
} from './harness.js';

const zkCli = '/usr/share/zookeeper/bin/zkCli.sh';
const sessionTimeoutMs = 2000;
const run = promisify(execFile);

describe('zookeeper election read by other clients', () => {
  let cluster: ZooKeeperCluster;
  let inspector: Client;
  const everyone: Member[] = [];
  let elections = 0;

  before(async () => {
    cluster = await startZooKeeper({ tickTimeMs: 200 });
    inspector = await connectInspector(cluster.connectString);
  });

  after(async () => {
    await Promise.all(everyone.map((member) => member.stop()));
    inspector.close();
    await cluster.stop();
  });

  /** One fresh election under its own parent znode, with the elector members a test started. */
  interface Election {
    readonly parent: string;
    /** The members started through join(), in the order they joined. */
    readonly members: Member[];
    /** Starts elector member `id` in this election; it is stopped after the suite. */
    readonly join: (id: string) => Promise<Member>;
  }

  /** Runs `body` on a fresh election; on failure prints its members' and the server's logs. */
  async function withElection(body: (election: Election) => Promise<void>): Promise<void> {
    elections += 1;
    const parent = `/elector/interop-${elections}`;
    const members: Member[] = [];
    const join = async (id: string): Promise<Member> => {
      const member = createMember({
        id,
        connectString: cluster.connectString,
        electionName: parent,
        sessionTimeoutMs,
        refreshIntervalMs: 50,
      });
      everyone.push(member);
      members.push(member);
      await member.start();
      return member;
    };
    await explainFailure({ members: () => members, serverLog: () => cluster.logTail(20) }, () =>
      body({ parent, members, join }),
    );
  }

  async function zkCliOutput(...command: string[]): Promise<string> {
    const { stdout } = await run(zkCli, ['-server', cluster.connectString, ...command], {
      timeout: 30_000,
    });
    return stdout;
  }

  function createNode(path: string, data: string): Promise<string> {
    return new Promise((resolve, reject) => {
      inspector.create(
        path,
        Buffer.from(data, 'utf8'),
        CreateMode.EPHEMERAL_SEQUENTIAL,
        (error, created) => {
          if (error === null) resolve(created);
          else reject(new Error(String(error)));
        },
      );
    });
  }

  function czxidOf(path: string): Promise<bigint> {
    return new Promise((resolve, reject) => {
      inspector.exists(path, (error, stat) => {
        if (error === null) resolve(stat.czxid.readBigInt64BE(0));
        else reject(new Error(`no stat for ${path}: ${String(error)}`));
      });
    });
  }

  function removeNode(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      inspector.remove(path, -1, (error) => {
        if (error === null) resolve();
        else reject(new Error(String(error)));
      });
    });
  }

  const memberIdIn = (data: string | null): string | null =>
    data === null ? null : (JSON.parse(data) as { memberId: string }).memberId;

  const foreignLogLines = (member: Member, node: string): string[] =>
    member.logs.filter((line) => line.includes('candidate.foreign-node') && line.includes(node));

  test('a handover to a member queued behind a kazoo participant is refused, and the participant is not passed over', async () => {
    await withElection(async ({ parent, members, join }) => {
      const leader = await join('h1');
      await waitForOneLeader(members);
      const kazoo = createForeignParticipant(inspector, parent, 'kazoo', 'kazoo-ahead');
      await kazoo.join();
      const target = await join('h2');
      const order = (): string[] => leader.backend.members().map((member) => member.id);
      await waitFor(() => order().length === 3, {
        timeoutMs: 10_000,
        what: 'the leader to list the kazoo participant and the target',
      });
      const token = leader.backend.current().fencingToken;
      await assert.rejects(
        leader.backend.resign(AbortSignal.timeout(10_000), target.id),
        (error: unknown) =>
          error instanceof ElectorError &&
          error.code === 'TRANSFER_FAILED' &&
          error.message.includes('kazoo-ahead'),
      );
      assert.equal(leader.backend.current().isSelf, true, 'the leader still acts');
      assert.equal(leader.backend.current().fencingToken, token, 'with the same token');
      assert.deepEqual(order(), ['h1', 'kazoo-ahead', 'h2'], 'nobody stepped aside');
      await kazoo.leave();
    });
  });

  test('zkCli lists the candidates; sorted by sequence they are the queue elector reports', async () => {
    await withElection(async ({ parent, members, join }) => {
      for (const id of ['m1', 'm2', 'm3']) await join(id);
      const leader = await waitForOneLeader(members);
      const listing = /^\[(.*)\]$/m.exec(await zkCliOutput('ls', parent))?.[1];
      assert.ok(listing !== undefined, 'zkCli printed a listing');
      const names = listing
        .split(', ')
        .sort((left, right) => left.slice(-10).localeCompare(right.slice(-10)));
      assert.equal(names.length, 3);
      for (const name of names) assert.match(name, /^[0-9a-f]{16}-latch-__lock__\d{10}$/);
      const ids: string[] = [];
      for (const name of names) {
        const data = /^\{.*\}$/m.exec(await zkCliOutput('get', `${parent}/${name}`))?.[0];
        ids.push(memberIdIn(data ?? null) ?? '');
      }
      assert.deepEqual(ids, ['m1', 'm2', 'm3']);
      assert.deepEqual(
        leader.backend.members().map((member) => member.id),
        ids,
      );
      assert.equal(leader.id, ids[0]);
    });
  });

  test('a kazoo participant reads elector leader and leads only after the members ahead leave', async () => {
    await withElection(async ({ parent, members, join }) => {
      await join('m1');
      await join('m2');
      const kazoo = createForeignParticipant(inspector, parent, 'kazoo', 'kazoo-1');
      await kazoo.join();
      const m3 = await join('m3');
      const first = await waitForOneLeader(members);
      assert.equal(first.id, 'm1');
      assert.equal(memberIdIn(await kazoo.readLeader()), 'm1');
      assert.equal(await kazoo.isLeader(), false);

      await members[0]?.stop();
      const second = await waitForOneLeader(members.slice(1));
      assert.equal(second.id, 'm2');
      assert.equal(memberIdIn(await kazoo.readLeader()), 'm2');
      assert.equal(await kazoo.isLeader(), false, 'kazoo waits behind m2');

      await members[1]?.stop();
      assert.equal(await kazoo.isLeader(), true, 'kazoo leads once the members ahead left');
      const node = kazoo.node();
      assert.ok(node !== null);
      const czxid = await czxidOf(`${parent}/${node}`);
      await waitFor(() => m3.backend.current().leader === 'kazoo-1', {
        timeoutMs: 10_000,
        what: 'm3 to name the kazoo participant as leader',
      });
      assert.equal(m3.backend.current().isSelf, false, 'm3 queues behind kazoo');
      assert.equal(m3.backend.current().fencingToken, czxid);

      await kazoo.leave();
      assert.equal((await waitForOneLeader([m3])).id, 'm3');
    });
  });

  test('Curator rules read elector leader, also after a resign', async () => {
    await withElection(async ({ parent, members, join }) => {
      for (const id of ['m1', 'm2', 'm3']) await join(id);
      const curator = createForeignParticipant(inspector, parent, 'curator', 'observer');
      const leader = await waitForOneLeader(members);
      assert.equal(memberIdIn(await curator.readLeader()), leader.id);

      await leader.backend.resign(AbortSignal.timeout(5000));
      const next = await waitForOneLeader(members);
      assert.notEqual(next.id, leader.id);
      assert.equal(memberIdIn(await curator.readLeader()), next.id);
      assert.equal(
        memberIdIn(await createForeignParticipant(inspector, parent, 'kazoo', 'k').readLeader()),
        next.id,
      );
    });
  });

  test('a Curator node ahead of elector members is a candidate: shown by its data and czxid, logged once', async () => {
    await withElection(async ({ parent, members, join }) => {
      const curator = createForeignParticipant(inspector, parent, 'curator', 'curator-1');
      await ensureParent(parent);
      await curator.join();
      const node = curator.node();
      assert.ok(node !== null);
      const czxid = await czxidOf(`${parent}/${node}`);
      const m1 = await join('m1');
      await waitFor(() => m1.backend.current().leader === 'curator-1', {
        timeoutMs: 10_000,
        what: 'm1 to name the Curator participant as leader',
      });
      const m2 = await join('m2');
      // m1 watches only its predecessor: it learns of m2 by listing again.
      await waitFor(() => m1.backend.members().length === 3, {
        timeoutMs: 10_000,
        what: 'm1 to list the queue again',
      });
      // start() returns once m2's node is queued, before m2 has read the queue ahead of it.
      await waitFor(() => m2.backend.current().leader === 'curator-1', {
        timeoutMs: 10_000,
        what: 'm2 to name the Curator participant as leader',
      });
      assert.equal(await curator.isLeader(), true);
      for (const member of members) {
        const state = member.backend.current();
        assert.equal(state.isSelf, false, `${member.id} does not lead behind the Curator node`);
        assert.equal(state.leader, 'curator-1');
        assert.equal(state.fencingToken, czxid);
      }
      assert.deepEqual(
        m1.backend.members().map((member) => [member.id, member.address, member.term]),
        [
          ['curator-1', null, czxid],
          ['m1', '127.0.0.1:20001', null],
          ['m2', '127.0.0.1:20002', null],
        ],
      );
      assert.equal(foreignLogLines(m1, node).length, 1, 'the foreign node is logged once');

      await curator.leave();
      assert.equal((await waitForOneLeader(members)).id, 'm1');
    });
  });

  test('a node of the previous elector layout keeps its place, is read as a member, and new members join under its layout', async () => {
    await withElection(async ({ parent, members, join }) => {
      await ensureParent(parent);
      const old = await createNode(
        `${parent}/candidate-00000000000000ab-`,
        JSON.stringify({ memberId: 'old-0', address: '10.0.0.9:8080' }),
      );
      const m1 = await join('m1');
      await waitFor(() => m1.backend.current().leader === 'old-0', {
        timeoutMs: 10_000,
        what: 'm1 to follow the member of the previous layout',
      });
      assert.equal(m1.backend.current().leaderAddress, '10.0.0.9:8080');
      assert.equal(m1.backend.current().isSelf, false);
      assert.equal(foreignLogLines(m1, old.slice(parent.length + 1)).length, 0);
      const names = await childrenOf(inspector, parent);
      assert.equal(names.length, 2);
      for (const name of names) {
        assert.match(
          name,
          /^candidate-[0-9a-f]{16}-\d{10}$/,
          'joined under the layout old members read',
        );
      }
      await removeNode(old);
      assert.equal((await waitForOneLeader(members)).id, 'm1');
      // m1's node has the previous layout's name but this version's data: m2 needs no old name.
      await join('m2');
      const m2Names = (await childrenOf(inspector, parent)).filter((name) => !names.includes(name));
      assert.equal(m2Names.length, 1);
      assert.match(m2Names[0] ?? '', /^[0-9a-f]{16}-latch-__lock__\d{10}$/);
      assert.equal((await waitForOneLeader(members)).id, 'm1');
    });
  });

  async function ensureParent(parent: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      inspector.mkdirp(parent, (error) => {
        if (error === null) resolve();
        else reject(new Error(String(error)));
      });
    });
    await childrenOf(inspector, parent);
  }
});
