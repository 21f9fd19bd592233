// A real Prometheus scrapes three running sidecars (the built CLI, a Raft mesh on loopback) every
// second, with the shipped alert rules loaded. PromQL over what it scraped shows exactly one
// leader, every dashboard query is accepted and evaluated by its query API, and every metric
// the dashboard and the alerts name is one the sidecar exports.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { startPrometheus, type PrometheusServer } from '../../../lab/prometheus-server.js';
import { SidecarCluster, type LeaderAnswer } from '../../../lab/sidecar-cluster.js';
import { waitFor } from '../../../lab/wait-for.js';
import { ensureBuiltCli } from '../helm/cluster.js';
import {
  metricNames,
  panelQueries,
  readDashboard,
  rulesFile,
  type Dashboard,
} from './dashboard.js';
import { missingSeries, parseSamples, shippedSelectors } from './series-check.js';

/** Names of the series a /metrics page declares (# TYPE), histogram parts included. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram')
      for (const part of ['_bucket', '_sum', '_count']) names.add(name + part);
  }
  return names;
}

describe('Prometheus scraping three sidecars', () => {
  let cluster: SidecarCluster;
  let prometheus: PrometheusServer;
  let leader: LeaderAnswer;
  let dashboard: Dashboard;
  /** An instant (Unix seconds) at which all three members' series are in the database. */
  let scrapedAt: number;

  before(async () => {
    await ensureBuiltCli();
    dashboard = await readDashboard();
    cluster = await SidecarCluster.start({ size: 3 });
    leader = await cluster.waitForAgreedLeader('a leader among the three sidecars');
    prometheus = await startPrometheus({
      targets: cluster.members.map((member) => `127.0.0.1:${member.httpPort}`),
      ruleFiles: [rulesFile],
    });
  });

  after(async () => {
    await prometheus.stop();
    await cluster.stop();
  });

  test('every target is up, and sum(elector_is_leader) over the scraped series is exactly 1', async () => {
    await prometheus.waitForTargetsUp();
    scrapedAt = await waitFor(
      async () => {
        const members = await prometheus.query('count(elector_is_leader)');
        const sample = members.data?.result[0]?.value;
        return sample?.[1] === '3' ? sample[0] : undefined;
      },
      { timeoutMs: 30_000, what: 'elector_is_leader scraped from all three members' },
    );
    const leaders = await prometheus.query('sum(elector_is_leader)', scrapedAt);
    assert.equal(leaders.data?.result[0]?.value?.[1], '1');
    const byElection = await prometheus.query(
      'sum by (election, backend) (elector_is_leader)',
      scrapedAt,
    );
    assert.deepEqual(
      byElection.data?.result.map((sample) => [sample.metric, sample.value?.[1]]),
      [[{ election: 'e2e', backend: 'raft' }, '1']],
    );
  });

  test('every dashboard query is accepted and evaluated by the Prometheus query API', async () => {
    const queries = panelQueries(dashboard);
    assert.ok(queries.length >= 15, `expected the full dashboard, found ${queries.length} queries`);
    const failures: string[] = [];
    for (const query of queries) {
      const answer = await prometheus.query(query.promql);
      if (answer.status !== 'success') {
        failures.push(
          `${query.panel} (${query.refId}): ${answer.error ?? 'error'}: ${query.promql}`,
        );
      }
    }
    assert.deepEqual(failures, []);
    const definitions = Object.fromEntries(
      dashboard.templating.list.map((entry) => [entry.name, entry.definition]),
    );
    assert.deepEqual(definitions, {
      datasource: undefined,
      cluster: 'label_values(elector_info, cluster)',
      namespace: 'label_values(elector_info{cluster=~"$cluster"}, namespace)',
      election:
        'label_values(elector_info{cluster=~"$cluster", namespace=~"$namespace"}, election)',
    });
    const response = await fetch(
      `${prometheus.url}/api/v1/label/election/values?match[]=elector_info`,
    );
    const values = z
      .object({ status: z.string(), data: z.array(z.string()) })
      .parse(await response.json());
    assert.deepEqual(values, { status: 'success', data: ['e2e'] });
  });

  test("the dashboard's Current leader panel names the member that leads, and Members acting as leader shows 1", async () => {
    const panel = (title: string): string => {
      const query = panelQueries(dashboard).find((candidate) => candidate.panel === title);
      assert.ok(query !== undefined, `a panel titled ${title}`);
      return query.promql;
    };
    const current = await prometheus.query(panel('Current leader'), scrapedAt);
    assert.deepEqual(
      current.data?.result.map((sample) => sample.metric),
      [{ election: 'e2e', id: leader.self }],
    );
    const acting = await prometheus.query(panel('Members acting as leader'), scrapedAt);
    assert.deepEqual(
      acting.data?.result.map((sample) => sample.value?.[1]),
      ['1'],
    );
  });

  test('the dashboard has the panels operators need, on metrics the sidecar exports', async () => {
    const titles = panelQueries(dashboard).map((query) => query.panel);
    for (const title of [
      'Current leader',
      'Leader changes',
      'Failover duration',
      'Elections by result',
      'Peer messages dropped',
      'Quorum-lost step-downs',
      'Label convergence time',
      'Lease remaining',
      'Backend errors',
    ]) {
      assert.ok(titles.includes(title), `a panel titled ${title}`);
    }
    const failover = panelQueries(dashboard).filter((query) => query.panel === 'Failover duration');
    assert.deepEqual(
      failover.map((query) => /^histogram_quantile\((0\.\d+),/.exec(query.expr)?.[1]),
      ['0.5', '0.9', '0.99'],
    );
    assert.ok(
      failover.every((query) => query.expr.includes('elector_failover_duration_seconds_bucket')),
    );

    const exported = exportedNames(await cluster.metrics(leader.self));
    const rules = await readFile(rulesFile, 'utf8');
    const used = new Set([
      ...panelQueries(dashboard).flatMap((query) => metricNames(query.expr)),
      ...metricNames(rules),
    ]);
    assert.deepEqual(
      [...used].filter((name) => !exported.has(name)),
      [],
      'every metric the dashboard and the alerts use is exported',
    );
    // Not only declared: each series they select (label values included) has a sample.
    assert.deepEqual(
      missingSeries(
        await shippedSelectors(),
        parseSamples(await cluster.metrics(leader.self)),
        (selector) =>
          !selector.matchers.some(
            (matcher) =>
              matcher.label === 'backend' && matcher.value === 'raft' && matcher.operator === '!=',
          ),
      ),
      [],
    );
  });

  test('the alert rules load into Prometheus, evaluate without error on live series, and none fires for a healthy election', async () => {
    const rules = await waitFor(
      async () => {
        const loaded = await prometheus.rules();
        return loaded.length > 0 && loaded.every((rule) => rule.health === 'ok')
          ? loaded
          : undefined;
      },
      { timeoutMs: 30_000, what: 'every rule evaluated with health ok' },
    );
    assert.ok(rules.some((rule) => rule.name === 'ElectorSplitBrain'));
    assert.deepEqual(
      rules
        .filter((rule) => rule.state === 'firing')
        .map((rule) => `${rule.name}: ${rule.state ?? ''}`),
      [],
    );
  });
});
