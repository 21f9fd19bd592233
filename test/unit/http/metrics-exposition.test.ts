// What a sidecar's /metrics declares, from three sides that must agree: the registry a fresh
// SidecarMetrics builds, the declarations it is built from, and the README's metrics table. A
// checked-in snapshot pins help texts and buckets (regenerate with UPDATE_GOLDEN=1), and every
// metric the shipped dashboard and alert rules name must still be declared.
import { ManualClock } from '../manual-clock.js';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ElectionState } from '../../../src/backends/backend.js';
import { stillBackend } from './still-backend.js';
import {
  SidecarMetrics,
  sidecarMetricDeclarations,
} from '../../../src/http/metrics/sidecar-metrics.js';

type BackendUnderTest = 'raft' | 'etcd';

const repository = fileURLToPath(new URL('../../../', import.meta.url));
const snapshotFile = fileURLToPath(new URL('testdata/metric-families.txt', import.meta.url));

/** A member that follows no known leader, and never changes. */
const quiet: ElectionState = {
  leader: null,
  leaderAddress: null,
  fencingToken: 0n,
  isSelf: false,
  leaseExpiresAt: null,
  term: 0n,
  role: 'follower',
};

/** One family as name, type and label names: what a rename or a relabel would change. */
function familyOf(name: string, type: string, labelNames: readonly string[]): string {
  return `${name} ${type} {${labelNames.join(',')}}`;
}

const labelledMetric = z.object({ labelNames: z.array(z.string()) });

/** The elector_* families a fresh sidecar's registry exposes once its backend is tracked. */
async function scrapedFamilies(
  backend: BackendUnderTest,
): Promise<{ families: string[]; helps: Map<string, string> }> {
  const metrics = new SidecarMetrics({
    id: 'member-0',
    backend,
    election: 'test',
    version: '0.0.0',
    clock: new ManualClock(0),
  });
  metrics.trackBackend(stillBackend(backend, quiet));
  const text = await metrics.registry.metrics();
  const helps = new Map<string, string>();
  for (const [, name = '', help = ''] of text.matchAll(/^# HELP (elector_\S+) (.*)$/gm))
    helps.set(name, help);
  const families = [...text.matchAll(/^# TYPE (elector_\S+) (\S+)$/gm)].map(
    ([, name = '', type = '']) => {
      const { labelNames } = labelledMetric.parse(metrics.registry.getSingleMetric(name));
      return familyOf(name, type, labelNames);
    },
  );
  return { families: families.sort(), helps };
}

function declaredFamilies(backend: BackendUnderTest): string[] {
  return sidecarMetricDeclarations(backend)
    .map((declaration) => familyOf(declaration.name, declaration.type, declaration.labelNames))
    .sort();
}

/** Rows of the README's metrics table; rows whose meaning starts with "Raft:" are Raft-only. */
function readmeFamilies(backend: BackendUnderTest): string[] {
  const readme = readFileSync(join(repository, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Metrics\n');
  assert.ok(start >= 0, 'README.md has a ## Metrics section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = [
    ...section.matchAll(
      /^\| `(elector_[a-z_]+)(?:\{([a-z_,]+)\})?` *\| *([a-z]+) *\| *(.*?) *\|$/gm,
    ),
  ];
  assert.ok(rows.length > 0, 'the README metrics section has a table of elector_* rows');
  return rows
    .filter(([, , , , meaning = '']) => backend === 'raft' || !meaning.startsWith('Raft:'))
    .map(([, name = '', labels, type = '']) =>
      familyOf(name, type, labels === undefined ? [] : labels.split(',')),
    )
    .sort();
}

/** Help text and buckets of every declared family, one line each, for the snapshot. */
function renderedDeclarations(): string {
  return sidecarMetricDeclarations('raft')
    .map((declaration) => {
      const buckets =
        declaration.type === 'histogram' ? ` buckets=${declaration.buckets.join(',')}` : '';
      return `${familyOf(declaration.name, declaration.type, declaration.labelNames)}${buckets}\n  ${declaration.help}\n`;
    })
    .join('');
}

for (const backend of ['raft', 'etcd'] as const) {
  describe(`a sidecar with --backend ${backend}`, () => {
    test('its registry exposes exactly the declared families, with their types and label names', async () => {
      const { families } = await scrapedFamilies(backend);
      assert.deepEqual(families, declaredFamilies(backend));
    });

    test('each family is scraped with the help text it declares', async () => {
      const { helps } = await scrapedFamilies(backend);
      for (const declaration of sidecarMetricDeclarations(backend))
        assert.equal(helps.get(declaration.name), declaration.help, declaration.name);
    });

    test("the README's metrics table lists exactly these families, types and label names", async () => {
      const { families } = await scrapedFamilies(backend);
      assert.deepEqual(families, readmeFamilies(backend));
    });
  });
}

test('only a raft sidecar exports the Raft member-set families', () => {
  const raftOnly = declaredFamilies('raft').filter(
    (family) => !declaredFamilies('etcd').includes(family),
  );
  assert.ok(raftOnly.length > 0);
  assert.ok(
    raftOnly.every((family) => family.startsWith('elector_raft_')),
    raftOnly.join('\n'),
  );
});

test('help texts and buckets match the snapshot in testdata/metric-families.txt (UPDATE_GOLDEN=1 rewrites it)', () => {
  const rendered = renderedDeclarations();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(snapshotFile, rendered);
  assert.equal(rendered, readFileSync(snapshotFile, 'utf8'));
});

test('every elector_* metric the shipped dashboard and alert rules name is declared', () => {
  const chartFiles = join(repository, 'charts', 'elector', 'files');
  const declared = new Set(sidecarMetricDeclarations('raft').map(({ name }) => name));
  const used = new Set(
    readdirSync(chartFiles).flatMap((file) =>
      [...readFileSync(join(chartFiles, file), 'utf8').matchAll(/\belector_[a-z_]+/g)].map(
        ([name]) => name.replace(/_(bucket|sum|count)$/, ''),
      ),
    ),
  );
  assert.ok(used.size > 0, `${chartFiles} names elector_* metrics`);
  assert.deepEqual(
    [...used].filter((name) => !declared.has(name)),
    [],
  );
});
