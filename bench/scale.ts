// npm run bench:scale [-- --trials 10 --backends raft,etcd,zookeeper --sizes 3,5,7 --candidates 3,20,50]
// How failover grows with the number of members or candidates, on the built CLI on loopback.
// Raft (scale-raft.ts): meshes of --sizes members, SIGKILL of the leader, peer messages per
// failover. etcd and ZooKeeper (scale-candidates.ts): --candidates sidecars on one server, SIGKILL
// and SIGTERM of the leader, watch notifications per failover. Format: shared/BENCH.md ("Scale
// scenario").
import { BenchOutput } from './output.js';
import { measureCandidateScale } from './scale/candidates.js';
import { parseScaleOptions } from './scale/options.js';
import { measureRaftScale } from './scale/raft.js';

const parsed = parseScaleOptions(process.argv.slice(2));
if ('problems' in parsed) {
  console.error(parsed.problems.join('\n'));
  process.exit(2);
}
const { options } = parsed;

const output = new BenchOutput('scale');
for (const backend of options.backends) {
  if (backend === 'raft') await measureRaftScale(output, options);
  else await measureCandidateScale(output, backend, options);
}
output.write();
