import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLeadershipHeld } from '../../lab/faults/checker.js';
import { campaignSeed, runCampaign, type CampaignOptions } from '../../lab/faults/campaign.js';

const seconds = Number(process.env.ELECTOR_BACKEND_CAMPAIGN_SECONDS ?? 60);
const only = process.env.ELECTOR_CAMPAIGN_BACKENDS?.split(',');
const seed = campaignSeed();

/** Each backend gets its own lab; T (the lease) is 1 s so a minute holds a dozen faults. */
const backends: readonly Pick<CampaignOptions, 'backend' | 'prefix' | 'subnet'>[] = [
  { backend: 'etcd', prefix: 'elxq', subnet: 82 },
  { backend: 'zookeeper', prefix: 'elxz', subnet: 83 },
  { backend: 'kubernetes', prefix: 'elxs', subnet: 84 },
];

describe(
  '3 candidates on a backend server, as real processes, under a seeded fault campaign',
  { concurrency: true },
  () => {
    for (const setup of backends) {
      const backend = setup.backend ?? 'raft';
      test(
        `${backend}: never two acting leaders, tokens never lowered or shared, recovery after every fault`,
        { skip: only !== undefined && !only.includes(backend) },
        async () => {
          console.log(
            `${backend} fault campaign seed ${seed}; replay the same faults with ELECTOR_SEED=${seed}`,
          );
          const report = await runCampaign({
            ...setup,
            seed,
            durationMs: seconds * 1000,
            size: 3,
            electionTimeoutMs: 1000,
          });
          console.log(report.summary);
          assertLeadershipHeld(report.history, `${backend}-campaign-seed-${seed}`);
          assert.deepEqual(report.sharedTokens, [], 'no token was accepted from two writers');
          assert.ok(report.writes.accepted > 0, 'the leaders wrote to the fenced resource');
          assert.ok(report.faults >= Math.min(8, seconds / 6), `only ${report.faults} faults`);
          assert.ok(report.failovers > 0, 'the faults caused failovers');
        },
      );
    }
  },
);
