import type { Logger } from 'pino';
import { ElectorError } from '../../core/errors.js';
import type { RaftConfig } from '../../core/raft/config.js';
import { isQuorum, isVoter } from '../../core/raft/configuration.js';
import { contactsOf, hasLeft } from '../../core/raft/membership-view.js';
import type { RaftLeadership } from '../../core/raft/leadership-view.js';
import type { NodeState, SafeguardMutations } from '../../core/raft/state.js';
import { knownPriority, successionRanks } from '../../core/raft/succession.js';
import { rehearseLeadershipChange } from './rehearsal.js';
import { RaftDriver } from './driver.js';
import { FileStateStore } from './storage/file-state-store.js';
import type { PeerAddress } from './transport/outbound-peer.js';
import { PeerTransport } from './transport/peer-transport.js';
import { pause, untilAborted, untilSettledOrAborted, Wakeup } from '../../runtime/abortable.js';
import { secondStartError } from '../campaign-runner.js';
import { logLeadershipChange, notifyListeners } from '../leadership-view.js';
import type { ElectionBackend, ElectionState, MemberRole, MemberStatus } from '../backend.js';
import { configurationView, membershipStatus } from './membership-status.js';
import type { BackendServices } from '../backend-runtime.js';

export interface RaftBackendOptions extends BackendServices {
  readonly config: RaftConfig;
  readonly stateDir: string;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly resolvePeer: (id: string) => Promise<PeerAddress>;
  /** The HTTP API address of a member, for `leaderAddress`. */
  readonly httpAddressOf: (id: string) => string;
  readonly secret: Uint8Array;
  /** Deliberate breakages for fault tests only; never set in production. */
  readonly mutations?: SafeguardMutations;
}

export interface RaftBackend extends ElectionBackend {
  /** Where the peer port listens, once started. */
  peerListenAddress(): PeerAddress | null;
}

/** The embedded backend: a Raft peer mesh among the sidecars themselves. */
export function createRaftBackend(options: RaftBackendOptions): RaftBackend {
  const { config, clock } = options;
  const peers = config.members.filter((member) => member !== config.id);
  const transport = new PeerTransport({
    selfId: config.id,
    listenHost: options.listenHost,
    listenPort: options.listenPort,
    peers,
    resolvePeer: options.resolvePeer,
    secret: options.secret,
    observe: options.observe,
    logger: options.logger,
    random: options.random,
    clock,
  });
  // Eligibility asked for before start() (a workload still starting) must hold from the first step.
  let requestedEligibility = true;
  // Settles once start's signal aborted and the transport and the last save are done.
  let stopped: Promise<void> = Promise.resolve();
  const driver = new RaftDriver({
    config,
    store: new FileStateStore(options.stateDir),
    channel: transport,
    clock,
    random: options.random,
    logger: options.logger,
    observe: options.observe,
    ...(options.mutations === undefined ? {} : { mutations: options.mutations }),
  });

  // Before the state is loaded: not started, or joining once start() was called.
  let unloadedRole: MemberRole = 'not-started';
  // Once start's signal aborts the member stops acting at once, whatever its lease says: nothing
  // renews it any more, and the sidecar is going away.
  let isStopped = false;
  const listeners = new Set<(next: ElectionState) => void>();
  // The core calls a member that may not campaign a follower; every backend reports it withdrawn.
  const ownRole = (leadership: RaftLeadership | null): MemberRole => {
    if (leadership === null) return unloadedRole;
    const isWithdrawn = leadership.role === 'follower' && driver.nodeState()?.isEligible === false;
    return isWithdrawn ? 'withdrawn' : leadership.role;
  };
  const toElectionState = (leadership: RaftLeadership | null): ElectionState => {
    // A stopped member still names the leader it last knew, but never itself.
    const known = leadership?.leader ?? null;
    const leader = isStopped && known === config.id ? null : known;
    return {
      leader,
      leaderAddress: leader === null ? null : options.httpAddressOf(leader),
      fencingToken: leadership?.fencingToken ?? 0n,
      term: BigInt(leadership?.term ?? 0),
      role: isStopped ? 'stopped' : ownRole(leadership),
      isSelf: !isStopped && (leadership?.isSelf ?? false),
      leaseExpiresAt: isStopped ? null : (leadership?.leaseExpiresAt ?? null),
    };
  };

  /**
   * After a transfer started: resolves once this member hears another leader, after one
   * election timeout, or when `signal` aborts. Meanwhile this member stays in the mesh, so it can
   * vote for its successor and acknowledge its first heartbeat, and a sidecar shutting down does
   * not close its connections in the middle of that election (the survivors' handling of the
   * closed connections delayed the successor's first heartbeat by several milliseconds).
   */
  const untilSuccessorLeads = async (signal: AbortSignal): Promise<void> => {
    const successorHeard = new Wakeup(clock);
    const isSuccessor = (leader: string | null): boolean => leader !== null && leader !== config.id;
    const unsubscribe = driver.onChange((change) => {
      if (isSuccessor(change.leader)) successorHeard.wake();
    });
    try {
      if (isSuccessor(driver.leadership()?.leader ?? null)) return;
      await successorHeard.wait(config.electionTimeoutMs, signal);
    } finally {
      unsubscribe();
    }
  };

  return {
    name: 'raft',
    async start(signal) {
      if (unloadedRole !== 'not-started') throw secondStartError('raft');
      unloadedRole = 'joining';
      signal.addEventListener(
        'abort',
        () => {
          const previousLeader = driver.leadership()?.leader ?? null;
          isStopped = true;
          const state = toElectionState(driver.leadership());
          logLeadershipChange(options.logger, 'raft', state, previousLeader, { reason: 'stopped' });
          notifyListeners(listeners, state, options.logger);
        },
        { once: true },
      );
      stopped = pause(clock, Infinity, signal)
        .then(() => Promise.all([transport.stopped(), driver.idle()]))
        .then(() => undefined);
      rehearse(config, options.logger);
      await transport.start(signal);
      await driver.start(signal, requestedEligibility);
      // setEligible calls made while the state was loading reached no node: apply the latest now.
      await driver.input({ type: 'set-eligible', isEligible: requestedEligibility });
    },
    stopped: () => stopped,
    current: () => toElectionState(driver.leadership()),
    onChange(listener) {
      listeners.add(listener);
      const unsubscribe = driver.onChange((change) => {
        if (!isStopped) listener(toElectionState(change));
      });
      return () => {
        listeners.delete(listener);
        unsubscribe();
      };
    },
    async resign(signal, to) {
      if (driver.leadership()?.isSelf !== true) return;
      const outcome: { refusal: string | null } = { refusal: null };
      const unsubscribe = driver.onNotice((notice) => {
        if (notice.type === 'transfer-refused') outcome.refusal = notice.reason;
      });
      try {
        await untilAborted(
          driver.input(to === undefined ? { type: 'transfer' } : { type: 'transfer', to }),
          signal,
        );
      } finally {
        unsubscribe();
      }
      if (outcome.refusal !== null) {
        throw new ElectorError(
          'TRANSFER_FAILED',
          `leadership transfer refused: ${outcome.refusal}`,
          { retryable: true },
        );
      }
      await untilSuccessorLeads(signal);
    },
    setEligible(isEligible) {
      requestedEligibility = isEligible;
      void driver.input({ type: 'set-eligible', isEligible });
    },
    isReady() {
      const node = driver.nodeState();
      if (node?.configuration == null || driver.storageFault() !== null) return false;
      const reachable = new Set([config.id]);
      for (const [peer, status] of transport.peerStatus())
        if (status.isConnected) reachable.add(peer);
      return isQuorum(node.configuration, reachable);
    },
    notReadyReason() {
      const fault = driver.storageFault();
      if (fault === null) return null;
      return `cannot save its durable state (${fault.reason}, ${fault.failures} failed saves), so it neither votes nor leads: ${fault.message}`;
    },
    members() {
      const node = driver.nodeState();
      const leadership = driver.leadership();
      const statuses = transport.peerStatus();
      const now = clock.now();
      const ids = new Set([config.id, ...(node === null ? config.members : contactsOf(node))]);
      const ranks = node === null ? new Map<string, number>() : successionRanks(node, now);
      return [...ids].sort().map((id): MemberStatus => {
        const isSelf = id === config.id;
        const status = statuses.get(id);
        const role: MemberRole = isSelf
          ? ownRole(leadership)
          : id === leadership?.leader
            ? 'leader'
            : memberRole(node, id);
        return {
          id,
          address: options.httpAddressOf(id),
          role,
          term: isSelf || id === leadership?.leader ? BigInt(leadership?.term ?? 0) : null,
          lastContactMs: isSelf
            ? 0
            : status?.lastReceivedAt == null
              ? null
              : Math.round(now - status.lastReceivedAt),
          isReachable: isSelf || status?.isConnected === true,
          priority:
            node === null ? (isSelf ? (config.priority ?? 0) : null) : knownPriority(node, id),
          rank: ranks.get(id) ?? null,
        };
      });
    },
    membership() {
      const node = driver.nodeState();
      if (node === null) {
        return {
          state: 'starting',
          configuration: null,
          change: null,
          desired: null,
          ownList: { members: config.members, counter: 0 },
          isPending: false,
          note: null,
          memberLists: [],
        };
      }
      return membershipStatus(node);
    },
    onMembershipEvent(listener) {
      return driver.onNotice((notice) => {
        if (notice.type !== 'configuration-committed') return;
        const configuration = configurationView(notice.configuration, notice.configuration.index);
        if (configuration === null) return;
        listener({
          type: 'configuration-committed',
          configuration,
          changeDurationMs: notice.changeDurationMs,
        });
      });
    },
    async leave(signal) {
      const hasLeftNow = (): boolean => {
        const node = driver.nodeState();
        return node !== null && hasLeft(node);
      };
      let unsubscribe: () => void = () => undefined;
      const left = new Promise<void>((resolve) => {
        unsubscribe = driver.onStep(() => {
          if (hasLeftNow()) resolve();
        });
      });
      try {
        await driver.input({ type: 'leave' });
        if (!hasLeftNow()) await untilSettledOrAborted(left, signal);
        return hasLeftNow();
      } finally {
        unsubscribe();
      }
    },
    peerListenAddress: () => transport.listenAddress(),
  };
}

/** How this member sees another: a voter, a member being added, one leaving, or one removed. */
function memberRole(node: NodeState | null, id: string): MemberRole {
  if (node === null) return 'unknown';
  if (node.roleState.role === 'leader' && node.roleState.acks.get(id)?.isLeaving === true) {
    return 'leaving';
  }
  // As its acknowledgements report it: the leader does not hand over to it (resign?to= refused).
  if (node.roleState.role === 'leader' && node.roleState.acks.get(id)?.isEligible === false) {
    return 'withdrawn';
  }
  if (isVoter(node.configuration, id)) return 'voter';
  const wanted = [...(node.desire?.members ?? []), ...node.startedWith];
  return wanted.includes(id) ? 'learner' : 'removed';
}

/** Runs the rehearsal (rehearsal.ts) before the member joins; a failure there never stops it. */
function rehearse(config: RaftConfig, logger: Logger): void {
  const startedAt = performance.now();
  try {
    const outcome = rehearseLeadershipChange(config);
    logger.debug(
      {
        event: 'raft.rehearsed',
        leaders: outcome.leaders,
        messages: outcome.messages,
        durationMs: Math.round(performance.now() - startedAt),
      },
      'rehearsed a leadership change in memory, so the first real one runs compiled code',
    );
  } catch (error) {
    logger.warn(
      { event: 'raft.rehearsal-failed', err: error },
      'the in-memory rehearsal of a leadership change failed; the first handover may be slower',
    );
  }
}
