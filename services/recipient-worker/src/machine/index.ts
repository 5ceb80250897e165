export * from './types.js';
export { transition, RULES } from './transition.js';
export { timersOf, timerKindOf } from './timers.js';
export { offerRefusal } from './rules/offer.js';
export { averageCallTime } from './rules/call.js';
export { firstSeqOfSession } from './rules/session.js';
