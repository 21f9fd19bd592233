import { startChild, type Child } from '../lab/child.js';
import { startEtcd } from '../lab/etcd-server.js';
import { waitFor } from '../lab/wait-for.js';
import { summary } from './stats.js';

/**
 * Reference row for the etcd backend: etcd's own election CLI, `etcdctl elect`, three candidates;
 * the leader gets SIGTERM (etcdctl resigns on it) and the time runs until `etcdctl elect -l`
 * prints the next proposal. Its crash case is bound to its fixed 60 s session TTL, so only the
 * graceful case is measured here.
 */
export async function measureEtcdctlElectReference(
  trials: number,
): Promise<Record<string, unknown>[]> {
  const etcd = await startEtcd({ members: 1 });
  const endpoints = etcd.endpoints.join(',');
  const candidates = new Map<string, Child>();
  const proposals: { name: string; at: number }[] = [];
  const observer = startChild('etcdctl', [
    '--endpoints',
    endpoints,
    'elect',
    '-l',
    'bench-reference',
  ]);
  observer.process.stdout?.on('data', (chunk: Buffer) => {
    const at = performance.now();
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.startsWith('candidate-')) proposals.push({ name: line.trim(), at });
    }
  });
  const start = (name: string): void => {
    candidates.set(
      name,
      startChild('etcdctl', ['--endpoints', endpoints, 'elect', 'bench-reference', name]),
    );
  };
  const samples: number[] = [];
  let failed = 0;
  try {
    for (const name of ['candidate-1', 'candidate-2', 'candidate-3']) start(name);
    for (let index = 0; index < trials; index++) {
      const leader = await waitFor(() => proposals.at(-1)?.name, {
        timeoutMs: 20_000,
        what: 'an etcdctl elect leader',
      });
      const seen = proposals.length;
      const faultAt = performance.now();
      await candidates.get(leader)?.kill('SIGTERM');
      try {
        const next = await waitFor(
          () => proposals.slice(seen).find((proposal) => proposal.name !== leader),
          { timeoutMs: 20_000, what: 'the next etcdctl elect leader' },
        );
        samples.push(next.at - faultAt);
      } catch {
        failed++;
      }
      start(leader);
    }
  } finally {
    await Promise.all([...candidates.values()].map((child) => child.kill('SIGKILL')));
    await observer.kill('SIGKILL');
    await etcd.stop();
  }
  return [
    {
      backend: 'reference:etcdctl-elect',
      mode: 'graceful',
      members: 3,
      trials,
      ...summary(samples),
      failed_trials: failed,
    },
  ];
}
