// elector's backend registry with createBackend replaced by the lease-ignoring build (see
// preload.mjs). A local export takes precedence over the same name from `export *`.
import { createBackend as createRealBackend } from 'elector-unsafe:real-registry';
import { withStickyLeadership } from './sticky-leadership.mjs';

export * from 'elector-unsafe:real-registry';

/** The mutations a Raft member honours (SafeguardMutations in src/core/raft/state.ts). */
const mutations = { ignoreLease: true, skipCheckQuorum: true };

export async function createBackend(config, runtime) {
  runtime.logger.error(
    { event: 'unsafe.test-mutation', mutation: 'ignore-lease' },
    'UNSAFE test build: the leader ignores its lease; never use this outside fault tests',
  );
  const backend = await createRealBackend(config, { ...runtime, testMutations: mutations });
  return config.backend === 'raft' ? backend : withStickyLeadership(backend);
}
