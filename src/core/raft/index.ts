export * from './config.js';
export * from './configuration.js';
export * from './desire.js';
export * from './messages.js';
export * from './state.js';
export * from './step-types.js';
export { createNode, startupPersist, step, type CreateNodeOptions } from './node.js';
export { membershipOf, type Membership } from './membership-view.js';
export {
  isActingLeader,
  leadershipAt,
  leaseExpiresAt,
  type RaftLeadership,
} from './leadership-view.js';
