// The alert rules under the real promtool: `check rules` on the shipped file, its manifests/
// copy and the rules inside the rendered PrometheusRule; `test rules` with a unit test for every
// alert (elector.rules.test.yaml), run against the file and against the PrometheusRule's rules.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { chartDirectory, helmTemplate, repositoryRoot } from '../../../lab/helm.js';
import { startTestCluster, type TestCluster } from '../helm/cluster.js';
import { rulesFile } from './dashboard.js';

const unitTests = fileURLToPath(new URL('./elector.rules.test.yaml', import.meta.url));

interface PromtoolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs promtool; resolves with its exit code and output (rejects only if it cannot start). */
async function promtool(args: readonly string[]): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code === 'number') resolve({ code, output: `${stdout}${stderr}` });
      else reject(new Error(`promtool could not run: ${error?.message ?? ''}`, { cause: error }));
    });
  });
}

/** The alert names the rules file defines, in order. */
async function alertNames(): Promise<string[]> {
  const text = await readFile(rulesFile, 'utf8');
  return [...text.matchAll(/^\s*- alert: (\w+)$/gm)].map((match) => match[1] ?? '');
}

describe('the Prometheus alert rules', () => {
  let cluster: TestCluster;
  let directory: string;

  before(async () => {
    cluster = await startTestCluster();
    directory = await mkdtemp(join(tmpdir(), 'elector-rules-'));
  });

  after(async () => {
    await cluster.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('promtool check rules accepts the rules file and its copy in manifests/', async () => {
    const names = await alertNames();
    for (const file of [rulesFile, join(repositoryRoot, 'manifests', 'elector.rules.yaml')]) {
      const result = await promtool(['check', 'rules', file]);
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, new RegExp(`SUCCESS: ${names.length} rules found`));
    }
  });

  test('promtool test rules passes, with a test that fires every alert, split brain included', async () => {
    const result = await promtool(['test', 'rules', unitTests]);
    assert.equal(result.code, 0, result.output);
    const tests = await readFile(unitTests, 'utf8');
    const names = await alertNames();
    assert.ok(names.includes('ElectorSplitBrain') && names.includes('ElectorNoLeader'));
    const untested = names.filter(
      (name) => !new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`).test(tests),
    );
    assert.deepEqual(untested, [], 'every alert has a test in which it fires');
  });

  test('the PrometheusRule the chart renders holds the same rules: promtool checks them and the unit tests pass on them', async () => {
    const rendered = await helmTemplate({
      chart: chartDirectory,
      extraArgs: [
        '--set',
        'prometheusRule.enabled=true',
        '--show-only',
        'templates/prometheusrule.yaml',
      ],
    });
    assert.deepEqual(await cluster.apply('default', rendered), [
      'prometheusrule.monitoring.coreos.com/elector created',
    ]);
    const rule = await cluster.get(
      z.object({ spec: z.object({ groups: z.array(z.unknown()) }) }),
      'default',
      ['prometheusrule', 'elector'],
    );
    // JSON is YAML: promtool reads the spec as a rules file.
    const specFile = join(directory, 'prometheusrule-spec.json');
    await writeFile(specFile, JSON.stringify(rule.spec));
    const check = await promtool(['check', 'rules', specFile]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, new RegExp(`SUCCESS: ${(await alertNames()).length} rules found`));

    const testsText = await readFile(unitTests, 'utf8');
    const testsFile = join(directory, 'prometheusrule.test.yaml');
    await writeFile(
      testsFile,
      testsText.replace(/^rule_files:\n\s+- \S+$/m, `rule_files:\n  - ${JSON.stringify(specFile)}`),
    );
    const unit = await promtool(['test', 'rules', testsFile]);
    assert.equal(unit.code, 0, unit.output);
  });
});
