export * from './types.js';
export { transition, QUEUE_RULES } from './transition.js';
export { queueTimersOf, pendingOffersOf, pendingWithdrawsOf } from './timers.js';
export { freshQueueState, freshMemberView } from './state.js';
export { queueStatusOf, candidatesOf, isCandidate, positionOf, estimatedWaitMs } from './status.js';
export { insertionIndex } from './rules/join.js';
export { sessionOrder } from './session-order.js';
