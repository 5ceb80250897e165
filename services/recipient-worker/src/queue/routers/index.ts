/** The router table: one row per `queue_router` name (adding a router = a file + a row). */
import type { QueueRouterName } from '@qubicle/contracts';
import { leastCalls } from './least-calls.js';
import { leastOffers } from './least-offers.js';
import { mostIdle } from './most-idle.js';
import { roundRobin } from './round-robin.js';
import type { Router } from './types.js';

export const ROUTERS: { [K in QueueRouterName]: Router<unknown> } = {
  route_round_robin: roundRobin as Router<unknown>,
  route_least_calls: leastCalls as Router<unknown>,
  route_least_offers: leastOffers as Router<unknown>,
  route_most_idle: mostIdle as Router<unknown>,
};

export function routerOf(name: QueueRouterName): Router<unknown> {
  return ROUTERS[name];
}

export type { Candidate, RouteResult, Router, RouterSession } from './types.js';
export type { RoundRobinState } from './round-robin.js';
