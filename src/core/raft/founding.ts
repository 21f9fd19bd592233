import {
  foundingConfiguration,
  isSameMemberSet,
  seedOf,
  sortedMembers,
  type ConfigurationId,
} from './configuration.js';
import type { FoundRequest, FoundResponse } from './messages.js';
import type { FoundingRound, NodeState } from './state.js';
import type { StepContext } from './step-context.js';

/**
 * Founding a cluster (the bootstrap rule). A member without a configuration cannot tell by
 * itself whether a cluster exists, so it founds one only with the consent of every member of
 * its `--members` list:
 *  - only the seed (the first member of the list in sorted order) founds, and at most once:
 *    the founding entry is durable before it campaigns;
 *  - it founds only after every other member of the list has answered that it has no
 *    configuration, was started with the same list, and has durably promised this seed;
 *  - a member promises at most one seed for as long as it has no configuration (it may move
 *    its promise to another list of the same seed), and refuses everyone once it has one.
 * So two foundings that share a member share the seed, and the seed founds once: there is at
 * most one cluster among members whose lists overlap. A cluster that exists is never founded
 * again, because its members refuse; new members wait for its leader to add them.
 */
export function isFoundingSeed(state: NodeState): boolean {
  return (
    state.configuration === null &&
    seedOf(state.startedWith) === state.config.id &&
    (state.promise === null || state.promise.seed === state.config.id)
  );
}

/** The seed's periodic attempt: ask who has not accepted yet, or found when all have. */
export function onFoundingTick(context: StepContext): void {
  const { state } = context;
  if (state.configuration !== null) return;
  if (state.mutations.skipFoundingRule === true) {
    found(context);
    return;
  }
  if (!isFoundingSeed(state)) {
    context.update({ founding: null });
    context.note(waitingNote(state));
    return;
  }
  const round: FoundingRound = state.founding ?? {
    accepted: new Set([context.id]),
    nextAttemptAt: context.now,
  };
  const missing = state.startedWith.filter((member) => !round.accepted.has(member));
  if (missing.length === 0) {
    found(context);
    return;
  }
  // A new round's first attempt is due now, so this waits only on a stored round.
  if (context.now < round.nextAttemptAt) return;
  context.note(roundNote(state, missing));
  for (const member of missing) {
    context.send({
      type: 'found',
      from: context.id,
      to: member,
      term: state.term,
      members: state.startedWith,
    });
  }
  context.update({
    founding: { ...round, nextAttemptAt: context.now + state.config.heartbeatIntervalMs },
  });
}

/** Why a member that is not a founding seed waits: its promise to another seed, or its list's seed. */
function waitingNote(state: NodeState): string {
  if (state.promise !== null && state.promise.seed !== state.config.id) {
    return `no configuration yet: promised ${state.promise.seed} to found [${state.promise.members.join(', ')}]; waiting for it to found, or for a leader to add this member`;
  }
  return `no configuration yet: waiting for ${seedOf(state.startedWith)} to found [${state.startedWith.join(', ')}], or for a leader to add this member`;
}

function found(context: StepContext): void {
  const configuration = foundingConfiguration(context.state.startedWith);
  context.update({
    configuration,
    commitIndex: configuration.index,
    promise: null,
    founding: null,
    // Every other member has promised and holds no configuration: no lease can rest on them.
    electionDeadline: context.now,
  });
  context.note(null);
  context.notice({ type: 'founded', configuration });
}

/** A member asked by a seed: promise (durably, before answering) or say why not. */
export function onFound(context: StepContext, request: FoundRequest): void {
  const { state } = context;
  const members = sortedMembers(request.members);
  const refusal = foundingRefusal(state, request.from, members);
  if (refusal === null) {
    const promise = state.promise;
    if (promise?.seed !== request.from || !isSameMemberSet(promise.members, members)) {
      context.update({ promise: { seed: request.from, members } });
    }
  }
  context.send({
    type: 'found-response',
    from: context.id,
    to: request.from,
    term: state.term,
    members,
    accepted: refusal === null,
    configurationId: context.configurationId,
    ...(refusal === null ? {} : { reason: refusal }),
  });
}

function foundingRefusal(
  state: NodeState,
  seed: string,
  members: readonly string[],
): string | null {
  if (state.configuration !== null) return 'it already belongs to a cluster';
  if (!isSameMemberSet(state.startedWith, members)) {
    return `its --members list is [${state.startedWith.join(', ')}]`;
  }
  if (seedOf(members) !== seed) return `${seed} is not the seed of that list`;
  if (state.promise !== null && state.promise.seed !== seed) {
    return `it promised ${state.promise.seed} to found [${state.promise.members.join(', ')}]`;
  }
  return null;
}

export function onFoundResponse(context: StepContext, response: FoundResponse): void {
  const { state } = context;
  const round = state.founding;
  if (round === null || !isFoundingSeed(state) || round.nextAttemptAt === Infinity) return;
  if (!isSameMemberSet(response.members, state.startedWith)) return;
  if (hasConfiguration(response.configurationId)) {
    // A cluster exists: stop founding for good; a hello finds it, and its leader adds us.
    context.update({ founding: { ...round, nextAttemptAt: Number.POSITIVE_INFINITY } });
    context.note(
      `not founding: ${response.from} already belongs to a cluster; waiting for its leader to add this member`,
    );
    return;
  }
  if (!response.accepted) {
    context.note(
      `founding a cluster of [${state.startedWith.join(', ')}]: ${response.from} refused: ${response.reason ?? 'no reason given'}`,
    );
    return;
  }
  const accepted = new Set(round.accepted).add(response.from);
  context.update({ founding: { ...round, accepted } });
  const missing = state.startedWith.filter((member) => !accepted.has(member));
  if (missing.length === 0) found(context);
  else context.note(roundNote(state, missing));
}

function roundNote(state: NodeState, missing: readonly string[]): string {
  return `founding a cluster of [${state.startedWith.join(', ')}]: waiting for ${missing.join(', ')} to answer that they have no configuration and the same --members list`;
}

function hasConfiguration(id: ConfigurationId): boolean {
  return id.index > 0;
}
