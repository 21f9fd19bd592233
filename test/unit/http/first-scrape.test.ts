// A member's first scrape, before anything has happened, already holds every series the shipped
// dashboard and alert rules select: counters start at zero for each label value that can occur,
// so `increase()` sees the first event and no panel shows "No data". Checked for every backend
// with a fresh SidecarMetrics and a backend that never changes.
import { ManualClock } from '../manual-clock.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ElectionState } from '../../../src/backends/backend.js';
import { stillBackend } from './still-backend.js';
import { backendNames, type BackendName } from '../../../src/core/backend-name.js';
import {
  SidecarMetrics,
  sidecarMetricDeclarations,
} from '../../../src/http/metrics/sidecar-metrics.js';
import {
  matches,
  missingSeries,
  parseSamples,
  requiredVariants,
  shippedSelectors,
  type Sample,
  type SeriesSelector,
} from '../../integration/observability/series-check.js';

const nowMs = 1_000_000;

/** A member that leads with half a second of lease left, and never changes. */
const leading: ElectionState = {
  leader: 'member-0',
  leaderAddress: '127.0.0.1:4040',
  fencingToken: 1n,
  isSelf: true,
  leaseExpiresAt: nowMs + 500,
  term: 1n,
  role: 'leader',
};

/** The samples of the first scrape of a fresh member of `backend`. */
async function firstScrape(backend: BackendName): Promise<{ samples: Sample[]; text: string }> {
  const metrics = new SidecarMetrics({
    id: 'member-0',
    backend,
    election: 'orders',
    version: '0.0.0',
    clock: new ManualClock(nowMs),
  });
  metrics.trackBackend(stillBackend(backend, leading));
  const text = await metrics.registry.metrics();
  const samples = parseSamples(text);
  return { samples, text };
}

/** Selectors a member of `backend` can answer: its families, and no backend matcher against it. */
function appliesTo(selector: SeriesSelector, backend: BackendName): boolean {
  const family = selector.metric.replace(/_(bucket|sum|count)$/, '');
  const declared = sidecarMetricDeclarations(backend).some(({ name }) => name === family);
  const backendMatchers = selector.matchers.filter((matcher) => matcher.label === 'backend');
  return (
    declared &&
    backendMatchers.every((matcher) => matches({ metric: '', labels: { backend } }, matcher))
  );
}

describe("a fresh member's first scrape", () => {
  test('the shipped dashboard and rules select series of many families, label values included', async () => {
    const selectors = await shippedSelectors();
    const families = new Set(selectors.map(({ selector }) => selector.metric));
    assert.ok(families.size >= 15, [...families].join(', '));
    assert.ok(
      families.has('elector_transfers_total') && families.has('elector_backend_errors_total'),
    );
    const reasons = selectors.flatMap(({ selector }) =>
      selector.metric === 'elector_peer_messages_dropped_total'
        ? requiredVariants(selector).flatMap((variant) =>
            variant.matchers.filter((matcher) => matcher.label === 'reason').map((m) => m.value),
          )
        : [],
    );
    assert.ok(reasons.includes('unknown-peer') && reasons.includes('not-for-us'), reasons.join());
  });

  for (const backend of backendNames) {
    test(`--backend ${backend}: every series the dashboard and the rules select is there, at zero for counters`, async () => {
      const { samples } = await firstScrape(backend);
      const missing = missingSeries(await shippedSelectors(), samples, (selector) =>
        appliesTo(selector, backend),
      );
      assert.deepEqual(missing, []);
    });
  }

  test('a Raft member exports every peer message type, direction and result, and every drop reason, at zero', async () => {
    const { text } = await firstScrape('raft');
    for (const line of [
      'elector_peer_messages_total{type="heartbeat",direction="in",result="accepted",election="orders",backend="raft"} 0',
      'elector_peer_messages_total{type="handshake",direction="in",result="dropped",election="orders",backend="raft"} 0',
      'elector_peer_messages_dropped_total{reason="unknown-peer",election="orders",backend="raft"} 0',
      'elector_peer_messages_dropped_total{reason="not-for-us",election="orders",backend="raft"} 0',
      'elector_transfers_total{result="started",election="orders",backend="raft"} 0',
      'elector_backend_errors_total{operation="persist",code="STATE_UNWRITABLE",election="orders",backend="raft"} 0',
    ])
      assert.ok(text.includes(`\n${line}\n`), line);
  });

  test('members of the other backends export no Raft peer traffic, and their own backend errors at zero', async () => {
    const expected: Record<Exclude<BackendName, 'raft'>, string> = {
      etcd: 'elector_backend_errors_total{operation="keepalive",code="BACKEND_UNAVAILABLE",election="orders",backend="etcd"} 0',
      zookeeper:
        'elector_backend_errors_total{operation="getChildren",code="CONNECTION_LOSS",election="orders",backend="zookeeper"} 0',
      kubernetes:
        'elector_backend_errors_total{operation="renew",code="NetworkError",election="orders",backend="kubernetes"} 0',
    };
    for (const [backend, line] of Object.entries(expected)) {
      const { text } = await firstScrape(backend as BackendName);
      assert.ok(text.includes(`\n${line}\n`), line);
      assert.doesNotMatch(text, /^elector_peer_messages_total\{/m);
    }
  });

  test('elector_lease_remaining_seconds reads the lease left on the leader', async () => {
    const { text } = await firstScrape('etcd');
    assert.match(
      text,
      /^elector_lease_remaining_seconds\{election="orders",backend="etcd"\} 0\.5$/m,
    );
  });

  test('a configured health check and hooks start their counters at zero, for their kinds only', async () => {
    const metrics = new SidecarMetrics({
      id: 'member-0',
      backend: 'kubernetes',
      election: 'orders',
      version: '0.0.0',
      clock: new ManualClock(nowMs),
    });
    metrics.expectHealthCheck('tcp');
    metrics.expectHooks([{ hook: 'became-leader', kind: 'exec' }]);
    const text = await metrics.registry.metrics();
    const series = (name: string): string[] =>
      [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} 0$`, 'gm'))].map(([, body = '']) =>
        body.replace(/,election="orders",backend="kubernetes"$/, ''),
      );
    assert.deepEqual(series('elector_health_probes_total'), [
      'kind="tcp",result="success",reason=""',
      'kind="tcp",result="failure",reason="timeout"',
      'kind="tcp",result="failure",reason="connection"',
      'kind="tcp",result="failure",reason="error"',
    ]);
    assert.deepEqual(series('elector_workload_health_changes_total'), [
      'to="healthy"',
      'to="unhealthy"',
    ]);
    assert.deepEqual(series('elector_hook_runs_total'), [
      'hook="became-leader",kind="exec",result="success"',
      'hook="became-leader",kind="exec",result="failure"',
      'hook="became-leader",kind="exec",result="timeout"',
      'hook="became-leader",kind="exec",result="cancelled"',
      'hook="became-leader",kind="exec",result="dropped"',
    ]);
  });
});
