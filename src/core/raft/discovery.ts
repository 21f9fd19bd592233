import {
  compareConfigurationIds,
  isSameConfigurationId,
  isVoter,
  votersOf,
} from './configuration.js';
import { isNewerDesire, tagOf } from './desire.js';
import { adoptCommitted, committedConfiguration, mergeDesire } from './membership.js';
import type { Hello, HelloResponse } from './messages.js';
import type { StepContext } from './step-context.js';

/**
 * A member that does not vote (no configuration yet, being added, or removed) asks the members
 * it knows where the cluster stands. Answers carry a committed configuration newer than its
 * own and the newest desired list, so it learns it was added or removed without a leader.
 */
export function sayHello(context: StepContext): void {
  const { state } = context;
  const known = new Set([
    ...state.startedWith,
    ...votersOf(state.configuration),
    ...(state.desire?.members ?? []),
  ]);
  known.delete(context.id);
  for (const peer of [...known].sort()) {
    context.send({
      type: 'hello',
      from: context.id,
      to: peer,
      term: state.term,
      configurationId: context.configurationId,
      desireTag: tagOf(state.desire),
    });
  }
}

export function onHello(context: StepContext, hello: Hello): void {
  const { state } = context;
  if (state.roleState.role === 'leader') {
    const askedAt = new Map(state.roleState.askedAt).set(hello.from, context.now);
    context.update({ roleState: { ...state.roleState, askedAt } });
  }
  const committed = committedConfiguration(state);
  // Also when equal: the asker then knows its own entry is committed.
  const isNewer =
    committed !== undefined && compareConfigurationIds(committed, hello.configurationId) >= 0;
  context.send({
    type: 'hello-response',
    from: context.id,
    to: hello.from,
    term: state.term,
    leader: state.leader,
    ...(isNewer ? { configuration: committed } : {}),
    ...(isNewer && state.roleState.role === 'leader' ? { isLeaderCommitted: true } : {}),
    ...(state.desire !== null && isNewerDesire(state.desire, hello.desireTag)
      ? { desire: state.desire }
      : {}),
  });
}

export function onHelloResponse(context: StepContext, response: HelloResponse): void {
  adoptCommitted(context, response.configuration);
  mergeDesire(context, response.desire);
  const { configuration } = response;
  if (
    response.isLeaderCommitted === true &&
    configuration !== undefined &&
    isSameConfigurationId(configuration, context.configurationId) &&
    !isVoter(configuration, context.id)
  ) {
    // The leader itself says its whole log, committed, no longer counts this member.
    context.update({ isRemovalConfirmed: true });
  }
}
