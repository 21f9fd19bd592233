import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLeadershipHeld } from '../../lab/faults/checker.js';
import { campaignSeed, runCampaign } from '../../lab/faults/campaign.js';

const seconds = Number(process.env.ELECTOR_CAMPAIGN_SECONDS ?? 90);
const seed = campaignSeed();

describe('a 3-member Raft mesh of real processes under a seeded fault campaign', () => {
  test('never has two acting leaders, never lowers or shares a fencing token, and recovers after every fault', async () => {
    console.log(
      `fault campaign seed ${seed}; replay the same faults with ELECTOR_SEED=${seed} (timings stay real)`,
    );
    const report = await runCampaign({
      seed,
      durationMs: seconds * 1000,
      size: 3,
      prefix: 'elxc',
      subnet: 76,
    });
    console.log(report.summary);
    assertLeadershipHeld(report.history, `campaign-seed-${seed}`);
    assert.deepEqual(report.sharedTokens, [], 'no token was accepted from two writers');
    assert.ok(report.writes.accepted > 0, 'the leaders wrote to the fenced resource');
    assert.ok(report.faults >= Math.min(10, seconds / 5), `only ${report.faults} faults`);
    assert.ok(report.failovers > 0, 'the faults caused failovers');
  });
});
