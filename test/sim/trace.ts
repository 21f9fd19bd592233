import { describeConfiguration } from '../../src/core/raft/configuration.js';
import type { NodeInput, StepNotice } from '../../src/core/raft/step-types.js';

/** One input in a trace line. */
export function describeInput(input: NodeInput): string {
  switch (input.type) {
    case 'message': {
      const { message } = input;
      const extra =
        'granted' in message
          ? message.granted
            ? ' granted'
            : ' refused'
          : 'accepted' in message
            ? message.accepted
              ? ' accepted'
              : ' refused'
            : '';
      return `<- ${message.type} t${message.term} from ${message.from}${extra}`;
    }
    case 'transfer':
      return `TRANSFER${input.to === undefined ? '' : ` to ${input.to}`}`;
    case 'set-eligible':
      return `ELIGIBLE=${input.isEligible}`;
    case 'tick':
      return 'tick';
    case 'leave':
      return 'LEAVE';
  }
}

/** One notice in a trace line. */
export function describeNotice(notice: StepNotice): string {
  const detail =
    'reason' in notice
      ? `: ${notice.reason}`
      : 'configuration' in notice
        ? ` ${describeConfiguration(notice.configuration)}`
        : '';
  return ` [${notice.type}${detail}]`;
}
