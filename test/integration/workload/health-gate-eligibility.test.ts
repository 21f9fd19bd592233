// The workload modules wired as the sidecar wires them, around an election backend stand-in:
// a workload process whose health is flipped over HTTP, a health gate probing it that drives
// setEligible, and hooks fed by the backend's changes.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { createProbe } from '../../../src/workload/create-probe.js';
import { followHealth } from '../../../src/workload/eligibility.js';
import { createHealthGate } from '../../../src/workload/health-gate.js';
import { createLeadershipHooks } from '../../../src/workload/hooks.js';
import type { WorkloadEvent } from '../../../src/workload/workload-events.js';
import { waitFor } from '../../../lab/wait-for.js';
import {
  setWorkloadState,
  startWorkloadProcess,
  type WorkloadProcess,
} from '../../../lab/workload-server.js';
import { systemClock } from '../../../src/runtime/system-clock.js';

const silent = pino({ level: 'silent' });
const clock = systemClock;

/**
 * Behaves as the backends do towards eligibility: an eligible member with no leader wins the
 * next election; an ineligible leader hands over (to "web-1") with a higher fencing token; an
 * ineligible member never campaigns.
 */
class EligibilityBackend implements Pick<ElectionBackend, 'current' | 'onChange' | 'setEligible'> {
  readonly eligibilityCalls: boolean[] = [];
  hasLed = false;
  private isEligible = true;
  private state: ElectionState = {
    leader: null,
    leaderAddress: null,
    fencingToken: 0n,
    term: 0n,
    role: 'follower',
    isSelf: false,
    leaseExpiresAt: null,
  };
  private readonly listeners = new Set<(next: ElectionState) => void>();

  current(): ElectionState {
    return this.state;
  }

  onChange(listener: (next: ElectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  setEligible(isEligible: boolean): void {
    this.eligibilityCalls.push(isEligible);
    this.isEligible = isEligible;
    setImmediate(() => {
      this.settle();
    });
  }

  /** An election round, as a timer would start one: only an eligible member stands. */
  settle(): void {
    const token = this.state.fencingToken + 1n;
    if (this.isEligible && this.state.leader === null) {
      this.hasLed = true;
      this.publish({
        ...this.state,
        leader: 'web-0',
        isSelf: true,
        role: 'leader',
        fencingToken: token,
        term: token,
      });
    } else if (!this.isEligible && this.state.isSelf) {
      this.publish({
        ...this.state,
        leader: 'web-1',
        isSelf: false,
        role: 'follower',
        fencingToken: token,
        term: token,
      });
    }
  }

  private publish(next: ElectionState): void {
    this.state = next;
    for (const listener of this.listeners) listener(next);
  }
}

describe('workload health drives eligibility, and leadership drives the hooks', () => {
  let workload: WorkloadProcess;
  let directory: string;

  before(async () => {
    workload = await startWorkloadProcess({ state: 'unhealthy' });
    directory = await mkdtemp(join(tmpdir(), 'elector-workload-'));
  });

  after(async () => {
    await workload.child.kill();
    await rm(directory, { recursive: true, force: true });
  });

  test('an unhealthy workload keeps the member from leading; a failing one makes it hand over', async () => {
    const events: WorkloadEvent[] = [];
    const observe = (event: WorkloadEvent): void => {
      events.push(event);
    };
    const backend = new EligibilityBackend();
    const gate = createHealthGate({
      probe: createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
      clock,
      logger: silent,
      observe,
      periodMs: 50,
      timeoutMs: 50,
      failureThreshold: 3,
    });
    const hookFile = join(directory, 'hooks.log');
    const hookLine = `echo "$ELECTOR_HOOK $ELECTOR_FENCING_TOKEN $ELECTOR_PREVIOUS_FENCING_TOKEN" >> ${hookFile}`;
    const hooks = createLeadershipHooks({
      election: 'orders',
      onBecameLeader: { kind: 'exec', command: hookLine },
      onSteppedDown: { kind: 'exec', command: hookLine },
      clock,
      logger: silent,
      observe,
    });
    // As the sidecar does: eligibility follows the gate from before the member campaigns.
    const unfollow = followHealth(gate, backend);
    const unsubscribe = backend.onChange((state) => {
      hooks.update(state);
    });
    assert.deepEqual(backend.eligibilityCalls, [false], 'ineligible before the first success');

    const controller = new AbortController();
    const running = gate.run(controller.signal);
    try {
      // Several probes fail and elections come and go: the member never stands.
      await waitFor(() => countProbes(events, 'failure') >= 5, {
        timeoutMs: 5000,
        what: 'five failed probes of the unhealthy workload',
      });
      backend.settle();
      assert.equal(backend.hasLed, false, 'a member with an unhealthy workload never leads');
      assert.deepEqual(backend.eligibilityCalls, [false]);

      await setWorkloadState(workload.controlUrl, 'healthy');
      await waitFor(() => backend.current().isSelf, {
        timeoutMs: 5000,
        what: 'the member to lead once its workload is healthy',
      });
      assert.equal(backend.current().fencingToken, 1n);

      await setWorkloadState(workload.controlUrl, 'unhealthy');
      await waitFor(() => !backend.current().isSelf, {
        timeoutMs: 5000,
        what: 'the leader to hand over once its workload fails',
      });
      assert.deepEqual(backend.eligibilityCalls, [false, true, false]);
      assert.equal(backend.current().leader, 'web-1');
      assert.equal(failuresBeforeTurn(events), 3, 'handed over after exactly 3 failed probes');

      await hooks.drain(AbortSignal.timeout(5000));
      assert.deepEqual((await readFile(hookFile, 'utf8')).trim().split('\n'), [
        'became-leader 1 ',
        'stepped-down 2 1',
      ]);
    } finally {
      controller.abort();
      await running;
      unfollow();
      unsubscribe();
    }
  });
});

function countProbes(events: readonly WorkloadEvent[], result: 'success' | 'failure'): number {
  return events.filter((event) => event.type === 'health-probe' && event.result === result).length;
}

/** Failed probes between the last success and the turn to unhealthy. */
function failuresBeforeTurn(events: readonly WorkloadEvent[]): number {
  const turn = events.findIndex((event) => event.type === 'health-changed' && !event.isHealthy);
  let failures = 0;
  for (let index = turn - 1; index >= 0; index -= 1) {
    const event = events[index];
    if (event?.type === 'hook-run') continue;
    if (event?.type !== 'health-probe' || event.result === 'success') break;
    failures += 1;
  }
  return failures;
}
