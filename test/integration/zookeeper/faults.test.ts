// The ZooKeeper backend against a real standalone ZooKeeper 3.8 under faults: a refused session
// timeout, ACLs, a create whose answer is lost, and a server that stops answering.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Exception, type ACL, type Client } from 'node-zookeeper-client';
import { ElectorError } from '../../../src/core/errors.js';
import { actingDeadlineAfter } from '../../../lab/acting-deadline.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startZooKeeper, type ZooKeeperCluster } from '../../../lab/zookeeper-server.js';
import {
  connectInspector,
  createMember,
  explainFailure,
  asError,
  listCandidateZnodes,
  waitForOneLeader,
  watchForSplitBrain,
  type Member,
  type MemberOptions,
} from './harness.js';
import { startZooKeeperProxy, type ZooKeeperProxy } from './zookeeper-proxy.js';

describe('zookeeper backend: faults', () => {
  let cluster: ZooKeeperCluster;
  let inspector: Client;
  const everyone: Member[] = [];
  const proxies: ZooKeeperProxy[] = [];
  let elections = 0;

  before(async () => {
    cluster = await startZooKeeper({ tickTimeMs: 200 });
    inspector = await connectInspector(cluster.connectString);
  });

  after(async () => {
    await Promise.all(everyone.map((member) => member.stop()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    inspector.close();
    await cluster.stop();
  });

  function member(options: Partial<MemberOptions> & { id: string }): Member {
    const created = createMember({
      connectString: cluster.connectString,
      electionName: `/elector/faults-${elections}`,
      sessionTimeoutMs: 2000,
      ...options,
    });
    everyone.push(created);
    return created;
  }

  async function proxy(): Promise<ZooKeeperProxy> {
    const started = await startZooKeeperProxy(cluster.servers[0]?.clientPort ?? 0);
    proxies.push(started);
    return started;
  }

  const explain = (members: () => readonly Member[], body: () => Promise<void>): Promise<void> =>
    explainFailure({ members, serverLog: () => cluster.logTail(20) }, body);

  test('a session timeout outside the server bounds is refused, naming the option and values', async () => {
    elections += 1;
    // tickTime 200 ms: the server accepts 400..4000 ms and would silently raise 100 to 400.
    const tooShort = member({ id: 'short', sessionTimeoutMs: 100 });
    await assert.rejects(tooShort.start(), (error: unknown) => {
      assert.ok(error instanceof ElectorError);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /sessionTimeoutMs: requested 100 ms .* negotiated 400 ms/);
      assert.match(error.message, /2·tickTime\.\.20·tickTime/);
      return true;
    });
    assert.deepEqual(tooShort.errors, [{ operation: 'session', code: 'CONFIG_INVALID' }]);
    const tooLong = member({ id: 'long', sessionTimeoutMs: 60_000 });
    await assert.rejects(tooLong.start(), /requested 60000 ms .* negotiated 4000 ms, its maximum/);
  });

  test('with digest auth, candidate znodes get a creator-only ACL that strangers cannot read', async () => {
    elections += 1;
    // Its own root: parents are created creator-only too, so no other identity may add to them.
    const parent = `/secured/faults-${elections}`;
    const credentials = 'elector:s3cret';
    const secure = member({
      id: 'secure',
      electionName: parent,
      auth: { scheme: 'digest', credentials },
    });
    await secure.start();
    const insider = await connectInspector(cluster.connectString, credentials);
    await explain(
      () => [secure],
      async () => {
        await waitForOneLeader([secure]);
        const children = await new Promise<string[]>((resolve, reject) => {
          insider.getChildren(parent, (error, names) => {
            if (error === null) resolve(names);
            else reject(asError(error));
          });
        });
        const path = `${parent}/${children[0] ?? ''}`;
        const acls = await new Promise<ACL[]>((resolve, reject) => {
          insider.getACL(path, (error, list) => {
            if (error === null) resolve(list);
            else reject(asError(error));
          });
        });
        assert.equal(acls.length, 1, 'one ACL entry');
        assert.match(JSON.stringify(acls[0]), /"id":\{"scheme":"digest","id":"elector:/);
        const code = await new Promise<number>((resolve) => {
          inspector.getData(path, (error) => {
            resolve(error instanceof Exception ? error.getCode() : 0);
          });
        });
        assert.equal(code, Exception.NO_AUTH, 'an unauthenticated client cannot read the znode');
      },
    ).finally(() => {
      insider.close();
    });
  });

  test('a create whose answer was lost is adopted, leaving exactly one znode for the member', async () => {
    elections += 1;
    const parent = `/elector/faults-${elections}`;
    const faulty = await proxy();
    faulty.dropNextCreateResponse('-latch-__lock__');
    const unlucky = member({ id: 'unlucky', connectString: `127.0.0.1:${faulty.port}` });
    const other = member({ id: 'other' });
    await unlucky.start();
    await other.start();
    const members = [unlucky, other];
    await explain(
      () => members,
      async () => {
        const created = faulty.droppedCreatePath();
        assert.ok(created !== null, 'the proxy swallowed the answer to a candidate create');
        assert.ok(
          unlucky.errors.some((error) => error.operation === 'create'),
          `the lost answer was reported: ${JSON.stringify(unlucky.errors)}`,
        );
        const leader = await waitForOneLeader(members);
        assert.equal(leader.id, 'unlucky', 'the recovered znode keeps its place in the queue');
        const znodes = await listCandidateZnodes(inspector, parent);
        const mine = znodes.filter((znode) => znode.memberId === 'unlucky');
        assert.deepEqual(
          mine.map((znode) => `${parent}/${znode.name}`),
          [created],
          'only the znode created by the lost request exists',
        );
      },
    );
  });

  test('a leader whose server stops answering stops acting before anyone else leads', async () => {
    elections += 1;
    const hung = await proxy();
    const isolated = member({ id: 'isolated', connectString: `127.0.0.1:${hung.port}` });
    const healthy = member({ id: 'healthy' });
    await isolated.start();
    await healthy.start();
    const members = [isolated, healthy];
    await explain(
      () => members,
      async () => {
        const monitor = watchForSplitBrain(() => members);
        assert.equal((await waitForOneLeader(members)).id, 'isolated');
        hung.blackhole(true);
        // Acting is bounded by the isolated member's own deadline: current() stops reporting
        // isSelf there, while the onChange that reports it comes from a timer and may trail it.
        let actingUntil = 0;
        await waitFor(
          () => {
            actingUntil = actingDeadlineAfter(actingUntil, isolated.backend.current());
            return healthy.backend.current().isSelf;
          },
          {
            timeoutMs: 10_000,
            what: 'the healthy member to lead once the isolated session expired',
          },
        );
        const startedAt = healthy.transitions.find((entry) => entry.state.isSelf)?.at;
        assert.ok(startedAt !== undefined);
        assert.ok(actingUntil > 0, 'the isolated member was seen acting after the cut');
        assert.ok(
          actingUntil < startedAt,
          `isolated could act until ${actingUntil.toFixed(0)}, healthy started at ${startedAt.toFixed(0)}`,
        );
        const ledFrom = isolated.transitions.findIndex((entry) => entry.state.isSelf);
        await waitFor(
          () => isolated.transitions.slice(ledFrom).some((entry) => !entry.state.isSelf),
          {
            timeoutMs: 3000,
            what: 'the isolated member to report its step-down through onChange',
          },
        );
        assert.equal(isolated.backend.isReady(), false);
        hung.blackhole(false);
        await waitForOneLeader(members).then((leader) => {
          assert.equal(leader.id, 'healthy');
        });
        assert.ok(isolated.errors.some((error) => error.code === 'SESSION_EXPIRED'));
        assert.deepEqual(monitor.stop(), []);
      },
    );
  });
});
