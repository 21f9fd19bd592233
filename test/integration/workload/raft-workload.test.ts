// Three in-process Raft members, each beside its own workload server and health gate, wired as
// the sidecar should wire them: a member whose workload is unhealthy never becomes leader, and
// a leader whose workload fails hands over to another member through the graceful path.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ElectionObserver } from '../../../src/core/election-events.js';
import { createRaftBackend, type RaftBackend } from '../../../src/backends/raft/raft-backend.js';
import { createProbe } from '../../../src/workload/create-probe.js';
import { followHealth } from '../../../src/workload/eligibility.js';
import { createHealthGate, type HealthGate } from '../../../src/workload/health-gate.js';
import { freePorts } from '../../../lab/free-port.js';
import { waitFor } from '../../../lab/wait-for.js';
import { startWorkloadServer, type WorkloadServer } from '../../../lab/workload-server.js';
import { systemClock } from '../../../src/runtime/system-clock.js';

const silent = pino({ level: 'silent' });
const clock = systemClock;
const ignore: ElectionObserver = () => undefined;
const ids = ['m0', 'm1', 'm2'];

interface Member {
  readonly id: string;
  readonly backend: RaftBackend;
  readonly gate: HealthGate;
  readonly workload: WorkloadServer;
}

describe('raft members gated by their workloads', () => {
  // One controller per member, as in a real sidecar: three members on one signal would exceed
  // Node's listener warning threshold without any listener leaking.
  const controllers: AbortController[] = [];
  const members: Member[] = [];
  const gateRuns: Promise<void>[] = [];
  /** Every time a member became leader while its own gate said unhealthy. */
  const violations: string[] = [];
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'elector-raft-workload-'));
    const ports = await freePorts(ids.length);
    const portOf = new Map(ids.map((id, index) => [id, ports[index] ?? 0]));
    const secret = randomBytes(24);
    for (const id of ids) {
      // m0's workload starts unhealthy: m0 must never lead while it stays so.
      const workload = await startWorkloadServer({ state: id === 'm0' ? 'unhealthy' : 'healthy' });
      const backend = createRaftBackend({
        config: {
          id,
          members: ids,
          heartbeatIntervalMs: 50,
          electionTimeoutMs: 300,
          maxClockDrift: 0.05,
        },
        stateDir: join(directory, id),
        listenHost: '127.0.0.1',
        listenPort: portOf.get(id) ?? 0,
        resolvePeer: (peer) => Promise.resolve({ host: '127.0.0.1', port: portOf.get(peer) ?? 0 }),
        httpAddressOf: (peer) => `127.0.0.1:${portOf.get(peer) ?? 0}`,
        secret,
        clock,
        // m0 always draws the shortest election timeout, so it would win every election it may
        // stand in: only its ineligibility keeps it from leading.
        random: id === 'm0' ? () => 0 : () => 0.99,
        logger: silent,
        observe: ignore,
      });
      const gate = createHealthGate({
        probe: createProbe({ kind: 'http', url: new URL(workload.healthUrl) }),
        clock,
        logger: silent,
        periodMs: 50,
        timeoutMs: 50,
        failureThreshold: 3,
      });
      let wasLeader = false;
      backend.onChange((state) => {
        if (state.isSelf && !wasLeader && !gate.isHealthy()) {
          violations.push(`${id} became leader (term ${state.term}) with an unhealthy workload`);
        }
        wasLeader = state.isSelf;
      });
      members.push({ id, backend, gate, workload });
    }
    for (const member of members) {
      const controller = new AbortController();
      controllers.push(controller);
      followHealth(member.gate, member.backend);
      await member.backend.start(controller.signal);
      // Applied again once started: the Raft driver ignores input before it has loaded its state.
      member.backend.setEligible(member.gate.isHealthy());
      gateRuns.push(member.gate.run(controller.signal));
    }
  });

  after(async () => {
    for (const controller of controllers) controller.abort();
    await Promise.all(gateRuns);
    await Promise.all(members.map((member) => member.workload.close()));
    await rm(directory, { recursive: true, force: true });
  });

  const leaders = (): Member[] => members.filter((member) => member.backend.current().isSelf);

  test('a member whose workload is unhealthy never becomes leader', async () => {
    const leader = await waitFor(() => (leaders().length === 1 ? leaders()[0] : undefined), {
      timeoutMs: 10_000,
      what: 'one leader among m1 and m2',
    });
    assert.notEqual(leader.id, 'm0');
    assert.deepEqual(violations, []);
  });

  test("the leader's failing workload hands leadership to a member with a healthy one", async () => {
    const [first] = await waitFor(() => (leaders().length === 1 ? leaders() : undefined), {
      timeoutMs: 10_000,
      what: 'one leader',
    });
    assert.ok(first !== undefined);
    const firstToken = first.backend.current().fencingToken;
    // m0 recovers, the leader's workload fails: the one healthy other member must take over.
    members[0]?.workload.setState('healthy');
    await waitFor(() => members[0]?.gate.isHealthy(), { timeoutMs: 5000, what: 'm0 healthy' });
    first.workload.setState('unhealthy');
    const next = await waitFor(
      () => {
        const current = leaders();
        return current.length === 1 && current[0] !== first ? current[0] : undefined;
      },
      { timeoutMs: 10_000, what: `a leader other than ${first.id}` },
    );
    assert.equal(first.backend.current().isSelf, false);
    assert.ok(next.backend.current().fencingToken > firstToken, 'the fencing token grew');
    assert.deepEqual(violations, []);
  });
});
