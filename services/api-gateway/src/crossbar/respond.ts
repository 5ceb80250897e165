/**
 * Writing Crossbar responses. Bodies are serialised here and the Content-Type set to exactly
 * `application/json` (no charset): the Monster UI KAZOO SDK parses error bodies only then.
 */
import { createHash } from 'node:crypto';
import type { SuccessEnvelope } from '@qubicle/contracts';
import type { GatewayContext } from '../context.js';

export const JSON_CONTENT_TYPE = 'application/json';

/** Any JSON body, with the exact Content-Type. */
export function sendJson(ctx: GatewayContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = JSON.stringify(body);
  // after the body: assigning a string body would otherwise pick text/plain
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
}

export interface SuccessExtras {
  /** HTTP status (default 200). */
  status?: number;
  revision?: string;
  page_size?: number;
  /** Crossbar paging: where the next page starts (absent on the last page). */
  next_start_key?: string;
  /** Crossbar paging: the start_key the request asked for. */
  start_key?: string;
}

/** The Crossbar success envelope {data, status, request_id, auth_token, revision?, page_size?}. */
export function sendSuccess<T>(ctx: GatewayContext, data: T, extras: SuccessExtras = {}): void {
  const envelope: SuccessEnvelope<T> = {
    data,
    status: 'success',
    request_id: ctx.state.requestId,
    auth_token: ctx.state.authToken,
  };
  if (extras.revision !== undefined) envelope.revision = extras.revision;
  if (extras.page_size !== undefined) envelope.page_size = extras.page_size;
  if (extras.start_key !== undefined) envelope.start_key = extras.start_key;
  if (extras.next_start_key !== undefined) envelope.next_start_key = extras.next_start_key;
  sendJson(ctx, extras.status ?? 200, envelope);
}

/**
 * The success envelope around `data` that is ALREADY JSON (the read model keeps each status
 * serialised once): the same bytes sendSuccess would write, without re-serialising the data.
 */
export function sendSuccessJson(ctx: GatewayContext, dataJson: string): void {
  const rest = JSON.stringify({ status: 'success', request_id: ctx.state.requestId, auth_token: ctx.state.authToken });
  ctx.status = 200;
  ctx.body = `{"data":${dataJson},${rest.slice(1)}`;
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
}

/** A list answered with page_size and a revision that changes exactly when the data does. */
export function sendList<T>(ctx: GatewayContext, data: T[]): void {
  sendSuccess(ctx, data, { page_size: data.length, revision: revisionOf(data) });
}

/** Stable revision of a JSON value (md5 of its serialisation, 32 hex like KAZOO's). */
export function revisionOf(data: unknown): string {
  return createHash('md5').update(JSON.stringify(data) ?? 'null').digest('hex');
}
