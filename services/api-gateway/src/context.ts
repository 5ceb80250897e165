/** What the middleware chain records on `ctx.state` for the handlers after it. */
import type { ParameterizedContext } from 'koa';
import type { Principal } from './auth/principal.js';

export interface GatewayState {
  /** From a valid X-Request-ID header, or generated. */
  requestId: string;
  /** The token the request carried ("" if none); echoed as the envelope's `auth_token`. */
  authToken: string;
  /** Set by the auth middleware on every authenticated /v2 route. */
  principal?: Principal;
  /** Parsed JSON body (undefined when the request had none). */
  body?: unknown;
}

export type GatewayContext = ParameterizedContext<GatewayState>;
