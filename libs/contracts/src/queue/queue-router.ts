/**
 * The routers a queue may name in `queue_router` (queues.md §4). The pure functions behind them
 * live in the worker (services/recipient-worker/src/queue/routers/); this list is the contract
 * the API validates against, so adding a router is one file there plus one name here.
 */
export const QUEUE_ROUTERS = ['route_round_robin', 'route_least_calls', 'route_least_offers', 'route_most_idle'] as const;
export type QueueRouterName = (typeof QUEUE_ROUTERS)[number];
export const DEFAULT_QUEUE_ROUTER: QueueRouterName = 'route_round_robin';
