// What users meet at `helm install` without a cluster (--dry-run=client): values.schema.json
// refusing a wrong value by its path (also in helm template and helm lint), and NOTES.txt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartDirectory, runHelm, tryHelmTemplate } from '../../../lab/helm.js';

describe('helm install, template and lint of the chart without a cluster', () => {
  test('a wrong value fails helm template, helm lint and helm install, naming the value and what is allowed', async () => {
    const cases: readonly { readonly set: string; readonly message: RegExp }[] = [
      {
        set: 'backend=etc',
        message: /at '\/backend': value must be one of 'raft', 'etcd', 'zookeeper', 'kubernetes'/,
      },
      { set: 'replicas=2', message: /at '\/replicas': value must be one of 1, 3, 5, 7/ },
      {
        set: 'raft.electionTimeout=fast',
        message: /at '\/raft\/electionTimeout': 'fast' does not match pattern/,
      },
      { set: 'backend=etcd', message: /at '\/etcd\/endpoints': minItems: got 0, want 1/ },
      { set: 'backnd=raft', message: /additional properties 'backnd' not allowed/ },
      {
        set: 'sidecar.shutdownTimeout=5 s',
        message: /at '\/sidecar\/shutdownTimeout': '5 s' does not match pattern/,
      },
      {
        set: 'sidecar.logTime=rfc3339',
        message: /at '\/sidecar\/logTime': value must be one of 'epoch', 'iso'/,
      },
      {
        set: 'mode=include',
        message: /at '\/include\/podSelector': minProperties: got 0, want 1/,
      },
    ];
    for (const { set, message } of cases) {
      const template = await tryHelmTemplate({ chart: chartDirectory, extraArgs: ['--set', set] });
      assert.notEqual(template.code, 0, `helm template --set ${set} must fail`);
      assert.match(template.stderr, /values don't meet the specifications of the schema/);
      assert.match(template.stderr, message);
      const lint = await runHelm(['lint', chartDirectory, '--set', set]);
      assert.notEqual(lint.code, 0, `helm lint --set ${set} must fail`);
      assert.match(`${lint.stdout}${lint.stderr}`, message);
    }
    const install = await runHelm([
      'install',
      'elector',
      chartDirectory,
      '--dry-run=client',
      '--set',
      'backend=etc',
    ]);
    assert.notEqual(install.code, 0);
    assert.match(install.stderr, /INSTALLATION FAILED: values don't meet the specifications/);
    assert.match(install.stderr, /value must be one of 'raft', 'etcd', 'zookeeper', 'kubernetes'/);
  });

  test('Go durations and the log format values render into the sidecar environment the CLI reads', async () => {
    const template = await tryHelmTemplate({
      chart: chartDirectory,
      extraArgs: [
        '--set',
        'sidecar.shutdownTimeout=1m30s',
        '--set',
        'raft.electionTimeout=1.5s',
        '--set',
        'sidecar.logTime=iso',
        '--set',
        'sidecar.logLevelFormat=label',
      ],
    });
    assert.equal(template.code, 0, template.stderr);
    for (const [name, value] of [
      ['ELECTOR_SHUTDOWN_TIMEOUT', '1m30s'],
      ['ELECTOR_ELECTION_TIMEOUT', '1.5s'],
      ['ELECTOR_LOG_TIME', 'iso'],
      ['ELECTOR_LOG_LEVEL_FORMAT', 'label'],
    ]) {
      assert.match(template.stdout, new RegExp(`- name: ${name}\\n\\s+value: "${value}"`), name);
    }
  });

  test('NOTES.txt tells how to see the leader: kubectl get pods -L elector.io/role and curl /leader', async () => {
    const install = await runHelm([
      'install',
      'orders',
      chartDirectory,
      '--namespace',
      'shop',
      '--dry-run=client',
    ]);
    assert.equal(install.code, 0, install.stderr);
    assert.ok(
      install.stdout.includes(
        'kubectl get pods --namespace shop -l elector.io/election=orders-elector -L elector.io/role',
      ),
      install.stdout,
    );
    assert.ok(install.stdout.includes('curl -s http://127.0.0.1:4040/leader'));
    assert.ok(install.stdout.includes('orders-elector.shop.svc.cluster.local:80'));
  });
});
