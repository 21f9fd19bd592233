// UNSAFE, for fault tests only (loaded by preload.mjs on the etcd, ZooKeeper and Lease
// backends). Plain JavaScript: it runs inside the built CLI; sticky-leadership.d.mts types it.

/**
 * Makes a backend behave like a home-made lock: once it has acted, it goes on acting with the
 * same token after losing its lease or session, until it hears that another member leads. Cut
 * off from the backend, it never hears, so it overlaps with its successor; the fault tests run
 * it to prove their checker catches that.
 */
export function withStickyLeadership(inner) {
  let held = null;
  const view = (state) => {
    if (state.isSelf) {
      held = state;
      return state;
    }
    const someoneElseLeads =
      (state.leader !== null && state.leader !== held?.leader) ||
      state.fencingToken > (held?.fencingToken ?? state.fencingToken);
    if (held === null || someoneElseLeads) {
      held = null;
      return state;
    }
    return { ...held, leaseExpiresAt: null };
  };
  return {
    name: inner.name,
    start: (signal) => inner.start(signal),
    stopped: () => inner.stopped(),
    current: () => view(inner.current()),
    onChange: (listener) =>
      inner.onChange((state) => {
        listener(view(state));
      }),
    resign: (signal) => inner.resign(signal),
    setEligible: (isEligible) => {
      inner.setEligible(isEligible);
    },
    isReady: () => inner.isReady(),
    members: () => inner.members(),
  };
}
