import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const repository = new URL('../../../', import.meta.url);

/** Refuses to resolve any backend client library, so loading one fails loudly. */
const refuseClientLibraries = `
export async function resolve(specifier, context, next) {
  if (/^(etcd3|node-zookeeper-client|@kubernetes\\/client-node)$/.test(specifier))
    throw new Error('client library loaded: ' + specifier);
  return next(specifier, context);
}`;

const child = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuseClientLibraries)}));
const { createBackend } = await import('./src/backends/registry.ts');
const { loadConfig } = await import('./src/config/load.ts');
const { ignoreElectionEvents } = await import('./src/core/election-events.ts');
const { pino } = await import('pino');
const runtime = {
  clock: { now: () => 0 },
  random: () => 0.5,
  logger: pino({ level: 'silent' }),
  observe: ignoreElectionEvents,
  clusterSecret: null,
  kubernetesApi: null,
};
const raft = await createBackend(loadConfig(['--id', 'a'], {}), runtime);
console.log('raft: built ' + typeof raft.start);
for (const backend of ['etcd', 'zookeeper']) {
  const argv = ['--id', 'a', '--backend', backend, '--etcd-endpoints', '127.0.0.1:1', '--zookeeper-connect', '127.0.0.1:1'];
  await createBackend(loadConfig(argv, {}), runtime).then(
    () => console.log(backend + ': built without its library'),
    (error) => console.log(backend + ': ' + error.message),
  );
}`;

test('a backend loads its client library only when it is the one built', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', child],
    { cwd: repository },
  );
  assert.deepEqual(stdout.trim().split('\n'), [
    'raft: built function',
    'etcd: client library loaded: etcd3',
    'zookeeper: client library loaded: node-zookeeper-client',
  ]);
});
