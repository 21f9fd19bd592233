import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ElectionBackend, ElectionState } from '../../../src/backends/backend.js';
import { withStickyLeadership } from '../../../lab/ignore-lease/sticky-leadership.mjs';

function state(overrides: Partial<ElectionState>): ElectionState {
  return {
    leader: null,
    fencingToken: 0n,
    isSelf: false,
    leaseExpiresAt: null,
    leaderAddress: null,
    term: 0n,
    role: 'candidate',
    ...overrides,
  };
}

/** A backend whose state the test sets; `emit` notifies listeners as a real backend would. */
function fakeBackend(): { backend: ElectionBackend; emit: (next: ElectionState) => void } {
  let now = state({});
  const listeners = new Set<(next: ElectionState) => void>();
  return {
    backend: {
      name: 'etcd',
      start: () => Promise.resolve(),
      stopped: () => Promise.resolve(),
      current: () => now,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      resign: () => Promise.resolve(),
      setEligible: () => undefined,
      isReady: () => true,
      members: () => [],
    },
    emit(next) {
      now = next;
      for (const listener of listeners) listener(next);
    },
  };
}

const leading = state({
  leader: 'a',
  fencingToken: 7n,
  isSelf: true,
  leaseExpiresAt: 1000,
  role: 'leader',
});

describe('withStickyLeadership (the unsafe test-only mutation)', () => {
  test('forwards stopped() to the backend it wraps', async () => {
    const { backend } = fakeBackend();
    let isStopped = false;
    const sticky = withStickyLeadership({
      ...backend,
      stopped: async () => {
        await Promise.resolve();
        isStopped = true;
      },
    });
    await sticky.stopped();
    assert.equal(isStopped, true);
  });

  test("forwards resign's target, warnings and the not-ready reason to the backend it wraps", async () => {
    const { backend } = fakeBackend();
    const targets: (string | undefined)[] = [];
    const sticky = withStickyLeadership({
      ...backend,
      resign: (_signal, to) => {
        targets.push(to);
        return Promise.resolve();
      },
      warnings: () => [{ event: 'security.open-acl', message: 'open' }],
      notReadyReason: () => 'state directory not writable',
    });
    await sticky.resign(new AbortController().signal, 'b');
    assert.deepEqual(targets, ['b']);
    assert.deepEqual(sticky.warnings?.(), [{ event: 'security.open-acl', message: 'open' }]);
    assert.equal(sticky.notReadyReason?.(), 'state directory not writable');
    assert.equal('warnings' in backend, false);
    assert.equal(withStickyLeadership(backend).warnings?.(), undefined);
  });

  test('passes states through until the member has acted', () => {
    const { backend, emit } = fakeBackend();
    const sticky = withStickyLeadership(backend);
    const waiting = state({ leader: 'b', fencingToken: 3n });
    emit(waiting);
    assert.deepEqual(sticky.current(), waiting);
  });

  test('keeps acting with the old token after the lease is lost and no other leader is known', () => {
    const { backend, emit } = fakeBackend();
    const sticky = withStickyLeadership(backend);
    const seen: ElectionState[] = [];
    sticky.onChange((next) => seen.push(next));
    emit(leading);
    emit(state({ leader: null, fencingToken: 7n, role: 'candidate' }));
    emit(state({ leader: 'a', fencingToken: 7n, role: 'joining' }));
    assert.deepEqual(
      seen.map((next) => [next.isSelf, next.fencingToken]),
      [
        [true, 7n],
        [true, 7n],
        [true, 7n],
      ],
    );
    assert.equal(sticky.current().isSelf, true);
    assert.equal(sticky.current().leaseExpiresAt, null);
  });

  test('stops acting once another leader or a higher token is seen', () => {
    const { backend, emit } = fakeBackend();
    const sticky = withStickyLeadership(backend);
    emit(leading);
    emit(state({ leader: 'b', fencingToken: 9n }));
    assert.equal(sticky.current().isSelf, false);
    emit(leading);
    emit(state({ leader: null, fencingToken: 8n }));
    assert.equal(sticky.current().isSelf, false);
    assert.equal(sticky.current().fencingToken, 8n);
  });
});
