// The option table is the one place a setting is declared: --help, the README table, the
// loader and every default must agree with it.
import { ManualClock } from '../manual-clock.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { BackendRuntime } from '../../../src/backends/backend-runtime.js';
import { etcdFromConfig } from '../../../src/backends/etcd/config.js';
import { resolveEtcdOptions } from '../../../src/backends/etcd/options.js';
import { leaseFromConfig } from '../../../src/backends/kubernetes/config.js';
import { resolveLeaseOptions } from '../../../src/backends/kubernetes/options.js';
import { zookeeperFromConfig } from '../../../src/backends/zookeeper/config.js';
import { resolveZooKeeperOptions } from '../../../src/backends/zookeeper/options.js';
import { flagUsage, runHelp } from '../../../src/cli/help.js';
import { advertisedAddress } from '../../../src/backends/backend-runtime.js';
import { kubernetesApiFor } from '../../../src/cli/kubernetes-api.js';
import { podNameOf } from '../../../src/config/computed-defaults.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { shownDefault } from '../../../src/config/option.js';
import { optionShape, optionSpecs } from '../../../src/config/options.js';
import { optionDefaults } from '../../../src/config/schema.js';
import { ignoreElectionEvents } from '../../../src/core/election-events.js';
import type { KubernetesApi } from '../../../src/kubernetes/api-client.js';
import {
  defaultElectionLabelKey,
  defaultRoleLabelKey,
} from '../../../src/pod-labels/pod-label-options.js';
import { defaultHookTimeoutMs } from '../../../src/workload/hooks.js';
import { resolveWorkloadSettings } from '../../../src/workload/workload-settings.js';

const defaults: Readonly<Record<string, unknown>> = optionDefaults;
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** README rows between the options markers, by flag: [variable, default, meaning]. */
function readmeRows(): Map<string, readonly string[]> {
  const section = readme.slice(
    readme.indexOf('<!-- options:start -->'),
    readme.indexOf('<!-- options:end -->'),
  );
  const rows = new Map<string, readonly string[]>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `--')) continue;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll('\\|', '|'));
    const [flag = '', ...rest] = cells;
    assert.ok(!rows.has(flag), `${flag} appears twice in the README`);
    rows.set(flag, rest);
  }
  return rows;
}

describe('the option table, --help and the README', () => {
  test('--help lists every option of the table once, with its variable, help and default', () => {
    const help = runHelp();
    const flagLines = help.split('\n').filter((line) => line.startsWith('  --'));
    assert.equal(flagLines.length, optionSpecs.length, 'one --help entry per row');
    for (const spec of optionSpecs) {
      const shown = shownDefault(spec);
      const entry = `  --${flagUsage(spec)}   [${spec.env}]\n      ${spec.description}${shown === '' ? '' : ` (default ${shown})`}\n`;
      assert.ok(help.includes(entry), `--help lacks or misstates --${spec.flag}`);
    }
  });

  test('the README lists every option of the table once, with its variable, default and help', () => {
    const rows = readmeRows();
    assert.deepEqual(
      [...rows.keys()],
      optionSpecs.map((spec) => `\`--${spec.flag}\``),
    );
    for (const spec of optionSpecs) {
      const shown = shownDefault(spec);
      assert.deepEqual(rows.get(`\`--${spec.flag}\``), [
        `\`${spec.env}\``,
        shown === '' ? '' : `\`${shown}\``,
        spec.description,
      ]);
    }
  });

  test('flags and variables are unique, and each variable is ELECTOR_ and the flag', () => {
    for (const spec of optionSpecs) {
      assert.equal(spec.env, `ELECTOR_${spec.flag.toUpperCase().replaceAll('-', '_')}`);
    }
    assert.equal(new Set(optionSpecs.map((spec) => spec.flag)).size, optionSpecs.length);
  });

  test('the loader reads every flag and every variable of the table', () => {
    for (const spec of optionSpecs) {
      // Either the value is refused, naming where it came from, or it replaces the default.
      for (const [argv, env, name] of [
        [['--id', 'a', `--${spec.flag}`, 'x y'], {}, `--${spec.flag}`],
        [['--id', 'a'], { [spec.env]: 'x y' }, spec.env],
      ] as const) {
        let message = '';
        try {
          loadConfig(argv, env);
        } catch (error) {
          message = (error as Error).message;
        }
        assert.doesNotMatch(message, /unknown flag/);
        if (message !== '') assert.ok(message.includes(`${name}:`), message);
        else assert.notDeepEqual(loadConfig(argv, env)[spec.key], defaults[spec.key]);
      }
    }
  });
});

describe('every option has exactly one default source', () => {
  test('a row states its default once: as text its schema accepts, or in words when computed', () => {
    for (const spec of optionSpecs) {
      assert.ok(
        spec.default === undefined || spec.computedDefault === undefined,
        `${spec.key} has a default and a computed default`,
      );
      assert.ok(
        !(spec.isRequired === true && (spec.default ?? spec.computedDefault) !== undefined),
        `${spec.key} is required yet has a default`,
      );
      if (spec.default !== undefined) {
        assert.deepEqual(
          optionShape[spec.key].parse(spec.default),
          defaults[spec.key],
          `${spec.key}: optionDefaults holds its parsed default text`,
        );
      }
    }
  });

  test('the loader adds nothing to the table: a bare config is the parsed defaults', () => {
    const config = loadConfig(['--id', 'a'], {});
    const withDefault = optionSpecs.filter((spec) => spec.default !== undefined);
    assert.deepEqual({ ...config }, { id: 'a', ...optionDefaults });
    assert.deepEqual(
      Object.keys(config).sort(),
      ['id', ...withDefault.map((spec) => spec.key)].sort(),
      'settings without a default are absent',
    );
  });
});

describe('a programmatic caller that leaves a setting out gets the table default', () => {
  const unusedApi: KubernetesApi = {
    server: 'https://127.0.0.1:1',
    requestTimeoutMs: 1000,
    defaultNamespace: null,
    request: () => Promise.reject(new Error('not used')),
    stream: () => Promise.reject(new Error('not used')),
  };
  const runtime: BackendRuntime = {
    clock: new ManualClock(0),
    random: () => 0.5,
    logger: pino({ level: 'silent' }),
    observe: ignoreElectionEvents,
    clusterSecret: null,
    kubernetesApi: unusedApi,
  };
  const config = loadConfig(
    [
      ...['--id', 'a', '--namespace', 'shop'],
      ...['--etcd-endpoints', '127.0.0.1:2379', '--zookeeper-connect', '127.0.0.1:2181'],
    ],
    {},
  );

  /** A copy of `options` without `keys`, as a caller who leaves them out passes it. */
  function leaving<Options extends object>(options: Options, ...keys: (keyof Options)[]): Options {
    const copy = { ...options };
    for (const key of keys) Reflect.deleteProperty(copy, key);
    return copy;
  }

  test('the backends: etcd, ZooKeeper and the Lease lock', () => {
    const etcd = etcdFromConfig(config, runtime);
    assert.deepEqual(
      resolveEtcdOptions(leaving(etcd, 'leaseTtlSeconds')),
      resolveEtcdOptions(etcd),
    );
    const zookeeper = zookeeperFromConfig(config, runtime);
    assert.deepEqual(
      resolveZooKeeperOptions(leaving(zookeeper, 'sessionTimeoutMs')),
      resolveZooKeeperOptions(zookeeper),
    );
    const lease = leaseFromConfig(config, runtime);
    assert.deepEqual(
      resolveLeaseOptions(leaving(lease, 'leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs')),
      resolveLeaseOptions(lease),
    );
  });

  test('the health gate, the hooks and the pod labels', () => {
    assert.deepEqual(resolveWorkloadSettings({}), resolveWorkloadSettings(config));
    assert.equal(defaultHookTimeoutMs, config.hookTimeoutMs);
    assert.equal(defaultRoleLabelKey, config.roleLabelKey);
    assert.equal(defaultElectionLabelKey, config.electionLabelKey);
  });
});

describe('a computed default, as --help and the README state it, is what the code applies', () => {
  const runtime: BackendRuntime = {
    clock: new ManualClock(0),
    random: () => 0.5,
    logger: pino({ level: 'silent' }),
    observe: ignoreElectionEvents,
    clusterSecret: null,
    kubernetesApi: {
      server: 'https://127.0.0.1:1',
      requestTimeoutMs: 1000,
      defaultNamespace: null,
      request: () => Promise.reject(new Error('not used')),
      stream: () => Promise.reject(new Error('not used')),
    },
  };
  const config = loadConfig(
    [
      ...['--id', 'm-1', '--http-port', '4141', '--election', 'orders', '--namespace', 'shop'],
      ...['--etcd-endpoints', '127.0.0.1:2379', '--zookeeper-connect', '127.0.0.1:2181'],
    ],
    {},
  );
  /** Per row with a computed default: what the code applies, given `config`. */
  const applied: Readonly<Record<string, (config: Config) => Promise<string> | string>> = {
    advertiseAddress: (given) => {
      const addresses = new Set([
        advertisedAddress(given),
        etcdFromConfig(given, runtime).address,
        zookeeperFromConfig(given, runtime).address,
        leaseFromConfig(given, runtime).address,
      ]);
      assert.equal(addresses.size, 1, 'every backend advertises the same address');
      return advertisedAddress(given);
    },
    podName: (given) => podNameOf(given),
    leaseName: (given) => leaseFromConfig(given, runtime).leaseName,
    kubeconfig: async (given) => {
      // Without --kubeconfig the API client is the in-cluster one, which outside a pod fails
      // by saying so.
      assert.equal(process.env.KUBERNETES_SERVICE_HOST, undefined, 'run outside a pod');
      const error = await kubernetesApiFor({ ...given, podLabels: 'true' }).then(
        () => assert.fail('expected the in-cluster client to be refused outside a pod'),
        (rejected: unknown) => rejected as Error,
      );
      return /in-cluster/.test(error.message) ? 'in-cluster' : error.message;
    },
  };
  /** The stated default with its placeholders filled in from `config`. */
  function filledIn(stated: string): string {
    return stated
      .replaceAll('<id>', config.id)
      .replaceAll('the --id', config.id)
      .replaceAll('<http-port>', String(config.httpPort))
      .replaceAll('<election>', config.election);
  }

  test('every row with a computed default is checked here', () => {
    assert.deepEqual(
      optionSpecs
        .filter((spec) => spec.computedDefault !== undefined)
        .map((spec) => spec.key)
        .sort(),
      Object.keys(applied).sort(),
    );
  });

  for (const spec of optionSpecs.filter((row) => row.computedDefault !== undefined)) {
    test(`--${spec.flag}: the stated default "${spec.computedDefault ?? ''}" is applied`, async () => {
      assert.equal(config[spec.key], undefined, 'left out, so the computed default applies');
      const apply = applied[spec.key];
      assert.ok(apply !== undefined);
      assert.equal(await apply(config), filledIn(spec.computedDefault ?? ''));
    });
  }
});
