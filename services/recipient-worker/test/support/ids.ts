/**
 * The ids and the moment every worker test speaks of: one account, its recipients and queues, this
 * node and the test's "now". The recipient-machine fixtures and the queue-machine fixtures both
 * name them, so a recipient and a queue in one test agree on who is who.
 */
export const ACCOUNT = 'a0000000000000000000000000000001';
export const RECIPIENT = 'b0000000000000000000000000000001';
export const OTHER = 'b0000000000000000000000000000002';
export const QUEUE = 'c0000000000000000000000000000001';
export const QUEUE2 = 'c0000000000000000000000000000002';
export const NODE = 'recipient-worker@test';
/** 2024-01-01 12:00 UTC */
export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
