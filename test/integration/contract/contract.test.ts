// Every check of the backend contract (contract.ts) over every backend: raft, etcd, zookeeper and
// kubernetes. What only one backend does (etcd's key layout, ZooKeeper's ACLs, the Lease record)
// stays in that backend's own tests.
import { after, before, describe, test } from 'node:test';
import { backendsUnderTest } from './backends.js';
import { contractChecks, runCheck } from './contract.js';

for (const backend of backendsUnderTest) {
  describe(`backend contract: ${backend.name}`, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());
    for (const check of contractChecks) {
      if (check.isQueueOnly === true && !backend.isQueue) continue;
      if (check.isNamedHandoverOnly === true && !backend.handsOverToNamed) continue;
      if (check.isPriorityOnly === true && !backend.preemptsByPriority) continue;
      test(check.name, () => runCheck(check, backend));
    }
  });
}
