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
  const overrides = {
    current: () => view(inner.current()),
    onChange: (listener) =>
      inner.onChange((state) => {
        listener(view(state));
      }),
  };
  // Everything else (resign's target, warnings, notReadyReason, the optional members) is the
  // inner backend's own, present exactly when the inner backend has it.
  return new Proxy(inner, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
