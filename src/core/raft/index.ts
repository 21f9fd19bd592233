export * from './config.js';
export * from './messages.js';
export * from './state.js';
export * from './step-types.js';
export { createNode, step, type CreateNodeOptions } from './node.js';
export {
  isActingLeader,
  leadershipAt,
  leaseExpiresAt,
  type RaftLeadership,
} from './leadership-view.js';
