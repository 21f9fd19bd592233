// What operators see of priority and rank: /cluster/status shows this member's own and each
// member's (null where the backend does not know), and the elector_priority and
// elector_succession_rank gauges follow the configured priority and the backend's ranking.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ElectionState, MemberStatus } from '../../../src/backends/backend.js';
import { SidecarMetrics } from '../../../src/http/metrics/sidecar-metrics.js';
import { ManualClock } from '../manual-clock.js';
import { stillBackend } from './still-backend.js';
import { startTestApi, type TestApi } from './test-api.js';

const following: ElectionState = {
  leader: 'member-1',
  leaderAddress: '127.0.0.1:4041',
  fencingToken: 3n,
  isSelf: false,
  leaseExpiresAt: null,
  term: 3n,
  role: 'follower',
};

const member = (id: string, more: Partial<MemberStatus>): MemberStatus => ({
  id,
  address: null,
  role: 'follower',
  term: null,
  lastContactMs: null,
  isReachable: true,
  ...more,
});

/** A backend whose members() answers what `members` holds at the time of the call. */
function rankingBackend(members: {
  current: readonly MemberStatus[];
}): ReturnType<typeof stillBackend> {
  return { ...stillBackend('etcd', following), members: () => members.current };
}

const ranked: readonly MemberStatus[] = [
  member('member-0', { priority: 50, rank: 1 }),
  member('member-1', { role: 'leader', priority: 100, rank: 0 }),
  member('member-2', { role: 'withdrawn', priority: 0, rank: null }),
  member('member-3', {}),
];

describe('GET /cluster/status', () => {
  const apis: TestApi[] = [];
  after(() => {
    for (const api of apis) api.close();
  });

  async function status(
    members: readonly MemberStatus[],
    priority?: number,
  ): Promise<Record<string, unknown>> {
    const api = await startTestApi({
      backend: rankingBackend({ current: members }),
      ...(priority === undefined ? {} : { priority }),
    });
    apis.push(api);
    const response = await fetch(`${api.url}/cluster/status`);
    assert.equal(response.status, 200);
    return (await response.json()) as Record<string, unknown>;
  }

  test("shows this member's configured priority and the rank its backend gives it", async () => {
    const body = await status(ranked, 50);
    assert.equal(body.self, 'member-0');
    assert.equal(body.priority, 50);
    assert.equal(body.rank, 1);
  });

  test("shows each member's priority and rank, null where the backend does not know them", async () => {
    const body = await status(ranked, 50);
    const members = body.members as { id: string; priority: unknown; rank: unknown }[];
    assert.deepEqual(
      members.map(({ id, priority, rank }) => ({ id, priority, rank })),
      [
        { id: 'member-0', priority: 50, rank: 1 },
        { id: 'member-1', priority: 100, rank: 0 },
        { id: 'member-2', priority: 0, rank: null },
        { id: 'member-3', priority: null, rank: null },
      ],
    );
  });

  test('a member not in line, or without --priority, shows rank null and priority 0', async () => {
    const body = await status([member('member-0', { role: 'withdrawn', priority: 0 })]);
    assert.equal(body.priority, 0);
    assert.equal(body.rank, null);
  });
});

describe('the succession gauges', () => {
  function scrape(members: { current: readonly MemberStatus[] }, priority?: number) {
    const metrics = new SidecarMetrics({
      id: 'member-0',
      backend: 'etcd',
      election: 'orders',
      version: '0.0.0',
      clock: new ManualClock(0),
      ...(priority === undefined ? {} : { priority }),
    });
    metrics.trackBackend(rankingBackend(members));
    return async (name: string): Promise<string | undefined> => {
      const text = await metrics.registry.metrics();
      return new RegExp(`^${name}\\{election="orders",backend="etcd"\\} (\\S+)$`, 'm').exec(
        text,
      )?.[1];
    };
  }

  test('elector_priority is the configured --priority, 0 by default', async () => {
    assert.equal(await scrape({ current: ranked }, 250)('elector_priority'), '250');
    assert.equal(await scrape({ current: ranked })('elector_priority'), '0');
  });

  test('elector_succession_rank follows the rank at each scrape, NaN while not in line', async () => {
    const members = { current: ranked };
    const valueOf = scrape(members, 50);
    assert.equal(await valueOf('elector_succession_rank'), '1');
    members.current = [member('member-0', { role: 'leader', priority: 50, rank: 0 })];
    assert.equal(await valueOf('elector_succession_rank'), '0');
    // prom-client writes NaN as "Nan"; Prometheus reads either spelling.
    const isNaNSample = (value: string | undefined): boolean =>
      value !== undefined && Number.isNaN(Number(value));
    members.current = [member('member-0', { role: 'withdrawn', priority: 50, rank: null })];
    assert.ok(isNaNSample(await valueOf('elector_succession_rank')));
    members.current = [];
    assert.ok(isNaNSample(await valueOf('elector_succession_rank')));
  });
});
