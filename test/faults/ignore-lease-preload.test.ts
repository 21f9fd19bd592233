import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startChild } from '../../lab/child.js';
import { ignoreLeaseNodeArgs } from '../../lab/faults/mesh.js';
import { freePorts } from '../../lab/free-port.js';
import { repositoryRoot } from '../../lab/helm.js';
import { cliPath } from '../../lab/sidecar-cluster.js';
import { waitFor } from '../../lab/wait-for.js';

// The lease-ignoring build is a preload from lab/ (issue 19): with it, the built CLI's
// createBackend is the broken one and says so; without it, the variable that used to switch it
// on is an unknown variable and changes nothing. broken-lease.test.ts and backend-lease.test.ts
// show what the broken build does under faults.

async function runSingleMember(
  nodeArgs: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-ignore-lease-'));
  const [httpPort = 0, peerPort = 0] = await freePorts(2);
  const child = startChild(process.execPath, [...nodeArgs, cliPath, 'run'], {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH ?? '',
      ELECTOR_ID: 'solo-0',
      ELECTOR_HTTP_HOST: '127.0.0.1',
      ELECTOR_HTTP_PORT: String(httpPort),
      ELECTOR_PEER_HOST: '127.0.0.1',
      ELECTOR_PEER_PORT: String(peerPort),
      ELECTOR_STATE_DIR: join(directory, 'state'),
      ...env,
    },
  });
  try {
    await waitFor(
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${httpPort}/role/leader`);
          return response.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, what: `the single member to lead; output: ${child.output()}` },
    );
    return child.output();
  } finally {
    await child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  }
}

describe('the lease-ignoring build', () => {
  test('is loaded with node --import lab/ignore-lease/preload.mjs, and logs that it is unsafe', async () => {
    const output = await runSingleMember(ignoreLeaseNodeArgs, {});
    assert.match(output, /"event":"unsafe\.test-mutation","mutation":"ignore-lease"/);
  });

  test('cannot be switched on by the variable that used to do it', async () => {
    const output = await runSingleMember([], { ELECTOR_TEST_UNSAFE_MUTATIONS: 'ignore-lease' });
    assert.doesNotMatch(output, /unsafe\.test-mutation/);
    assert.match(output, /ELECTOR_TEST_UNSAFE_MUTATIONS: not a setting elector knows, ignored/);
  });
});
