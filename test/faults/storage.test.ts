// A Raft member of a three-member mesh (the built CLI) whose state directory sits on its own
// small tmpfs, which the test makes read-only or fills up, then repairs. The member must go
// unready with the reason and never act, the other two must elect a leader, its log and CPU must
// stay bounded (a fixed number of lines per backoff step), and it must recover by itself.
// Needs root (mount); every mount is unmounted in `finally`. No network namespaces.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  cliPath,
  metricValue,
  SidecarCluster,
  type LeaderAnswer,
} from '../../lab/sidecar-cluster.js';
import { startChild } from '../../lab/child.js';
import { freePorts } from '../../lab/free-port.js';
import { waitFor } from '../../lab/wait-for.js';

const execFileAsync = promisify(execFile);
const badMember = 'member-0';
const healthyMembers = ['member-1', 'member-2'];
/** Log lines the bad member may write per failed save: the failure line, plus a few state changes. */
const linesPerFailedSave = 6;
/** Failed saves to watch: the first and four retries (after 1s, 2s, 4s, 8s, each half jittered). */
const watchedFailures = 5;
/** How often the test asks the bad member during the fault: its answers cost it CPU too. */
const pollMs = 200;

type Fault = 'read-only' | 'full';

/** /proc/<pid>/stat utime + stime, in clock ticks (100 per second on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function answer(cluster: SidecarCluster, id: string, path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${cluster.member(id).httpPort}${path}`, {
    signal: AbortSignal.timeout(2000),
  });
}

/** Fills the filesystem at `directory` until a write fails with ENOSPC. */
function fill(directory: string): void {
  const chunk = Buffer.alloc(4096, 1);
  for (let index = 0; ; index += 1) {
    try {
      writeFileSync(join(directory, `filler-${index}`), chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

/** Breaks the bad member's disk, checks what it and the others do, repairs it, checks recovery. */
interface FaultWindow {
  readonly failures: number;
  readonly logLines: number;
  readonly cpuSeconds: number;
  readonly windowSeconds: number;
}

async function runWithBadDisk(fault: Fault): Promise<FaultWindow> {
  const cluster = await SidecarCluster.start({ size: 3 });
  const mountPoint = cluster.member(badMember).stateDir;
  let isMounted = false;
  const watching = new AbortController();
  try {
    await cluster.waitForAgreedLeader('a first leader');
    // Move the bad member's state onto its own 64 KiB filesystem.
    await cluster.stopMember(badMember, 'SIGTERM');
    const saved = readFileSync(join(mountPoint, 'raft-state.json'));
    rmSync(mountPoint, { recursive: true, force: true });
    mkdirSync(mountPoint, { mode: 0o700 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint]);
    isMounted = true;
    writeFileSync(join(mountPoint, 'raft-state.json'), saved, { mode: 0o600 });
    cluster.startMember(badMember);
    await cluster.waitForAgreedLeader('a leader with the member on tmpfs back');
    await waitFor(async () => (await answer(cluster, badMember, '/readyz')).status === 200, {
      timeoutMs: 30_000,
      what: `${badMember} ready on its tmpfs`,
    });

    const child = cluster.member(badMember).child;
    assert.ok(child !== null);
    if (fault === 'read-only') {
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    } else {
      fill(mountPoint);
    }
    const linesBefore = child.output().split('\n').length;
    const cpuBefore = cpuTicks(child.pid);
    const startedAt = Date.now();

    // Watch the bad member's /role/leader for the whole fault: it must never say 200.
    const acted: string[] = [];
    const watcher = (async () => {
      while (!watching.signal.aborted) {
        try {
          const response = await answer(cluster, badMember, '/role/leader');
          if (response.status === 200) acted.push(await response.text());
          else await response.body?.cancel();
        } catch {
          // The member may be slow to answer under load; only a 200 matters here.
        }
        await delay(pollMs);
      }
    })();

    // Move the term on: the leader hands over, and the next term needs every voter to save it.
    const leader = await cluster.waitForAgreedLeader('the leader before the handover');
    const resigned = await fetch(
      `http://127.0.0.1:${cluster.member(leader.self).httpPort}/leader/resign`,
      { method: 'POST' },
    );
    assert.equal(resigned.status, 200, await resigned.text());

    const expectedReason = fault === 'read-only' ? 'read-only' : 'no-space';
    const readyz = await waitFor(
      async () => {
        const response = await answer(cluster, badMember, '/readyz');
        if (response.status !== 503) return undefined;
        return (await response.json()) as { ready: boolean; reason?: string };
      },
      { timeoutMs: 30_000, what: `${badMember} /readyz 503`, intervalMs: pollMs },
    );
    assert.equal(readyz.ready, false);
    assert.match(
      readyz.reason ?? '',
      new RegExp(`cannot save its durable state \\(${expectedReason}`),
    );
    assert.match(readyz.reason ?? '', /state directory not writable/);

    const status = (await (await answer(cluster, badMember, '/cluster/status')).json()) as {
      ready: boolean;
      notReadyReason: string | null;
    };
    assert.equal(status.ready, false);
    assert.match(status.notReadyReason ?? '', new RegExp(expectedReason));
    const printed = await execFileAsync(process.execPath, [
      cliPath,
      'status',
      '--url',
      `http://127.0.0.1:${cluster.member(badMember).httpPort}`,
    ]);
    assert.match(printed.stdout, new RegExp(`${badMember} is not ready: .*${expectedReason}`));

    // The other two elect a leader of a newer term without it.
    const newLeader = await waitFor(
      async () => {
        const answers = await Promise.all(
          healthyMembers.map(
            async (id) => (await (await answer(cluster, id, '/leader')).json()) as LeaderAnswer,
          ),
        );
        const acting = answers.filter((candidate) => candidate.isSelf);
        const [first] = acting;
        if (acting.length !== 1 || first === undefined) return undefined;
        return answers.every((candidate) => candidate.id === first.self) && first.term > leader.term
          ? first
          : undefined;
      },
      {
        timeoutMs: 30_000,
        what: 'the two healthy members to elect a leader of a newer term',
        intervalMs: pollMs,
      },
    );
    assert.notEqual(newLeader.self, badMember);

    // Bounded: a fixed number of lines per failed save, and CPU well below a hot loop's.
    const failures = await waitFor(
      async () => {
        const count = metricValue(
          await cluster.metrics(badMember),
          'elector_raft_state_save_failures_total',
          `reason="${expectedReason}"`,
        );
        return count >= watchedFailures ? count : undefined;
      },
      { timeoutMs: 60_000, what: `${watchedFailures} failed saves counted`, intervalMs: pollMs },
    );
    const windowSeconds = (Date.now() - startedAt) / 1000;
    const lines = child
      .output()
      .split('\n')
      .slice(linesBefore - 1)
      .filter(Boolean);
    const failureLines = lines.filter((line) => line.includes('"event":"raft.state-save-failed"'));
    assert.ok(
      failureLines.length <= failures + 1,
      `${failureLines.length} failure lines for ${failures} counted failures`,
    );
    assert.ok(
      lines.length <= linesPerFailedSave * (failures + 1),
      `${lines.length} log lines over ${failures} failed saves:\n${lines.slice(0, 20).join('\n')}`,
    );
    // A member retrying at once used 13 % of a core in a mesh (issue 19); an idle one a few.
    const cpuSeconds = (cpuTicks(child.pid) - cpuBefore) / 100;
    assert.ok(
      cpuSeconds <= 0.1 * windowSeconds,
      `${cpuSeconds}s of CPU in ${windowSeconds.toFixed(1)}s`,
    );

    // Repair the disk: the member recovers by itself, without a restart.
    if (fault === 'read-only') {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    } else {
      execFileSync('sh', ['-c', `rm -f ${mountPoint}/filler-*`]);
    }
    await waitFor(async () => (await answer(cluster, badMember, '/readyz')).status === 200, {
      timeoutMs: 60_000,
      what: `${badMember} ready again after the repair`,
    });
    assert.equal(cluster.member(badMember).child, child, 'the same process recovered');
    // The log line may reach the pipe a moment after /readyz turned.
    await waitFor(() => child.output().includes('"event":"raft.state-save-recovered"'), {
      timeoutMs: 10_000,
      what: `${badMember} to log its recovery`,
    });
    watching.abort();
    await watcher;
    assert.deepEqual(acted, [], `${badMember} said it leads while it could not save`);

    // And it follows the newer term again, which it had to save first.
    const agreed = await cluster.waitForAgreedLeader('all three members to agree on the leader');
    assert.ok(agreed.term > leader.term);
    await cluster.stopMember(badMember, 'SIGTERM');
    return { failures, logLines: lines.length, cpuSeconds, windowSeconds };
  } catch (error) {
    throw new Error(`${String(error)}\n${cluster.logs()}`, { cause: error });
  } finally {
    watching.abort();
    await cluster.member(badMember).child?.kill('SIGKILL');
    if (isMounted) execFileSync('umount', [mountPoint]);
    await cluster.stop();
  }
}

/** Runs `elector run` for a one-member mesh with `stateDir`; resolves with how it ended. */
async function runSingleMember(
  stateDir: string,
): Promise<{ code: number | string; output: string }> {
  const [httpPort, peerPort] = await freePorts(2);
  const child = startChild(
    process.execPath,
    [
      cliPath,
      'run',
      '--id',
      'a',
      '--state-dir',
      stateDir,
      '--http-host',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--peer-port',
      String(peerPort),
    ],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  const timer = setTimeout(() => void child.kill('SIGKILL'), 30_000);
  try {
    return { code: await child.exited, output: child.output() };
  } finally {
    clearTimeout(timer);
  }
}

describe('a Raft member that cannot use its state directory at start', () => {
  test('a state directory under a regular file stops it with STATE_UNWRITABLE (not writable), not STATE_CORRUPT', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'elector-storage-'));
    t.after(() => {
      rmSync(directory, { recursive: true, force: true });
    });
    writeFileSync(join(directory, 'a-file'), 'not a directory');
    const { code, output } = await runSingleMember(join(directory, 'a-file', 'state'));
    assert.equal(code, 1, output);
    assert.match(output, /STATE_UNWRITABLE/);
    assert.match(output, /state directory not writable/);
    assert.match(output, /ENOTDIR/);
    assert.doesNotMatch(output, /STATE_CORRUPT|backup/);
  });

  test('a read-only filesystem fails the write probe at start with STATE_UNWRITABLE', async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'elector-storage-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mountPoint]);
    t.after(() => {
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });
    const { code, output } = await runSingleMember(mountPoint);
    assert.equal(code, 1, output);
    assert.match(output, /STATE_UNWRITABLE/);
    assert.match(output, /write-probe\.tmp failed \(EROFS/);
    assert.match(output, /the filesystem is read-only/);
  });
});

describe('a Raft member whose state directory fails', () => {
  test('on a filesystem remounted read-only it goes unready with the reason, never acts, stays quiet, and recovers when remounted read-write', async (t) => {
    t.diagnostic(JSON.stringify(await runWithBadDisk('read-only')));
  });

  test('on a full filesystem it goes unready with the reason, never acts, stays quiet, and recovers when space is freed', async (t) => {
    t.diagnostic(JSON.stringify(await runWithBadDisk('full')));
  });
});
