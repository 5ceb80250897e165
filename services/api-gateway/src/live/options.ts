/** Limits and timers of the event websocket (the LIVE_* variables of the gateway's config). */
export interface LiveOptions {
  /** Open websockets per gateway; more → the upgrade is answered 503. */
  maxConnections: number;
  /** Subscriptions (distinct bindings) per websocket. */
  maxSubscriptions: number;
  /** Largest client message; larger → closed 1009 by the websocket library. */
  maxMessageBytes: number;
  /** A websocket whose unsent data exceeds this is closed 4008 "slow consumer". */
  maxBufferedBytes: number;
  /** Unsent data of all websockets together; past it, the largest backlogs are closed 4008 first. */
  maxTotalBufferedBytes: number;
  /** How often the total is checked. */
  bufferCheckMs: number;
  /** Recent events kept per recipient (and per queue) for `resume` (`resume_queues`). */
  resumeEventsPerRecipient: number;
  /** Recent events kept in all (oldest recipients' first go past it). */
  resumeMaxEvents: number;
  /** How often token expiry (and the authentication timeout) is checked. */
  tokenCheckMs: number;
  /** A websocket without a successful subscribe after this long is closed 4002. */
  authTimeoutMs: number;
  /** Ping interval; a client that did not answer the previous ping is cut. 0 = no pings. */
  heartbeatMs: number;
  /** The gateway stops consuming the events exchange this long after its last subscriber left. */
  idleUnsubscribeMs: number;
  /** Live events held for one websocket while its snapshot is read; more → closed 4008. */
  maxPendingEvents: number;
  /** Client messages: burst, then this many per second; more → closed 4029. */
  rateBurst: number;
  ratePerSecond: number;
  /** Subscribes of one account within this window share one snapshot read. */
  snapshotBatchMs: number;
  /** Longest wait for the bus subscription and for each snapshot RPC. */
  rpcTimeoutMs: number;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  maxConnections: 10_000,
  maxSubscriptions: 16,
  maxMessageBytes: 65_536,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxTotalBufferedBytes: 256 * 1024 * 1024,
  bufferCheckMs: 250,
  resumeEventsPerRecipient: 100,
  resumeMaxEvents: 200_000,
  tokenCheckMs: 1_000,
  authTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  idleUnsubscribeMs: 5 * 60_000,
  maxPendingEvents: 10_000,
  rateBurst: 50,
  ratePerSecond: 10,
  snapshotBatchMs: 10,
  rpcTimeoutMs: 5_000,
};
