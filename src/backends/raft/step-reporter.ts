import type { Logger } from 'pino';
import type { ElectionObserver } from '../../core/election-events.js';
import { describeConfiguration } from '../../core/raft/configuration.js';
import { membershipOf, type Membership } from '../../core/raft/membership-view.js';
import type { NodeState } from '../../core/raft/state.js';
import type { StepNotice, StepResult } from '../../core/raft/step-types.js';
import { logLeadershipChange } from '../leadership-view.js';

/**
 * Turns what one step of the core reports into log lines and metric events: one event per
 * change, with stable fields (STYLE.md, Logging). The core itself never logs.
 */
export class StepReporter {
  constructor(
    private readonly logger: Logger,
    private readonly observe: ElectionObserver,
  ) {}

  report(previous: NodeState, result: StepResult): void {
    for (const notice of result.notices) this.reportNotice(notice);
    this.reportMembership(membershipOf(previous), result.state);
    const { change } = result;
    if (change === null) return;
    if (change.reason === 'quorum-lost') this.observe({ type: 'quorum-lost' });
    logLeadershipChange(
      this.logger,
      'raft',
      { ...change, term: BigInt(change.term) },
      previous.leader,
      { reason: change.reason },
    );
  }

  /** Logs where this member stands at start (its membership and configuration). */
  reportStart(state: NodeState): void {
    this.logger.info(
      {
        event: 'raft.started',
        term: state.term,
        votedFor: state.votedFor,
        members: state.startedWith,
        membership: membershipOf(state),
        configuration: state.configuration,
        desire: state.desire,
      },
      `raft member started (${membershipOf(state)}; configuration ${describeConfiguration(state.configuration)})`,
    );
  }

  private reportMembership(before: Membership, state: NodeState): void {
    const after = membershipOf(state);
    if (after === before) return;
    const configuration = describeConfiguration(state.configuration);
    const fields = { event: 'membership.changed', from: before, to: after, configuration };
    if (after === 'removed') {
      this.logger.warn(
        fields,
        `removed from the cluster (configuration ${configuration}): this member no longer campaigns or votes`,
      );
    } else {
      this.logger.info(fields, `membership ${before} -> ${after} (configuration ${configuration})`);
    }
  }

  private reportNotice(notice: StepNotice): void {
    const { observe, logger } = this;
    switch (notice.type) {
      case 'election-started':
        if (!notice.preVote) observe({ type: 'election-started' });
        break;
      case 'election-finished':
        observe({ type: 'election-finished', result: notice.result });
        break;
      case 'transfer-started':
        observe({ type: 'transfer', result: 'started' });
        logger.info(
          { event: 'transfer.started', to: notice.to },
          `handing leadership to ${notice.to}`,
        );
        break;
      case 'transfer-refused':
        observe({ type: 'transfer', result: 'refused' });
        logger.warn(
          { event: 'transfer.refused', reason: notice.reason },
          `leadership transfer refused: ${notice.reason}`,
        );
        break;
      case 'message-ignored':
        logger.debug({ event: 'message.ignored', reason: notice.reason }, 'peer message ignored');
        break;
      case 'founded':
        logger.info(
          { event: 'configuration.founded', configuration: notice.configuration },
          `founded the cluster: configuration ${describeConfiguration(notice.configuration)}`,
        );
        break;
      case 'configuration-appended':
        logger.info(
          { event: 'configuration.appended', configuration: notice.configuration },
          `leader appended configuration ${describeConfiguration(notice.configuration)}`,
        );
        break;
      case 'configuration-committed':
        observe({ type: 'configuration-committed', changeDurationMs: notice.changeDurationMs });
        logger.info(
          {
            event: 'configuration.committed',
            configuration: notice.configuration,
            changeDurationMs: notice.changeDurationMs,
          },
          `configuration ${describeConfiguration(notice.configuration)} committed${notice.changeDurationMs === null ? '' : ` (change took ${Math.round(notice.changeDurationMs)} ms)`}`,
        );
        break;
      case 'configuration-adopted':
        logger.info(
          { event: 'configuration.adopted', configuration: notice.configuration },
          `now holds configuration ${describeConfiguration(notice.configuration)}`,
        );
        break;
      case 'membership-waiting':
        logger.info({ event: 'membership.waiting', reason: notice.reason }, notice.reason);
        break;
    }
  }
}
