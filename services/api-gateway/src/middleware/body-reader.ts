/**
 * Reads a request body as JSON into ctx.state.body, at most MAX_BODY_BYTES (413 beyond, without
 * reading the rest). The bytes are read by `raw-body`: the limit is checked against Content-Length
 * before reading and against the bytes counted while reading a chunked body. The Content-Type is
 * not trusted either way (KAZOO clients are sloppy): the body is always tried as JSON, and
 * anything that is not JSON is a 400 'invalid request body'.
 * The parse is the contracts' parseJson (the one of every entrance): a `__proto__`, `constructor`
 * or `prototype` key anywhere, or nesting deeper than CLIENT_JSON_MAX_DEPTH, is a 400 too.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { CLIENT_JSON_MAX_DEPTH, UnsafeJsonError, parseJson } from '@qubicle/contracts';
import type { GatewayState } from '../context.js';
import { failures } from '../crossbar/errors.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function bodyReader(opts: { maxBodyBytes: number }): Middleware<GatewayState> {
  return async (ctx, next) => {
    if (METHODS_WITH_BODY.has(ctx.method)) {
      let text: string;
      try {
        text = await readText(ctx.req, opts.maxBodyBytes);
      } catch (err) {
        // the rest of the body is not read: do not reuse the connection
        if (err instanceof TooLarge) ctx.set('Connection', 'close');
        throw err instanceof TooLarge ? failures.payloadTooLarge(opts.maxBodyBytes) : err;
      }
      ctx.state.body = parseBody(text);
    }
    await next();
  };
}

class TooLarge extends Error {}

function parseBody(text: string): unknown {
  const t = text.replace(/^\uFEFF/, '');
  if (t.trim() === '') return undefined;
  try {
    return parseJson(t, CLIENT_JSON_MAX_DEPTH);
  } catch (err) {
    if (err instanceof UnsafeJsonError && err.reason !== 'syntax') throw failures.invalidJson(`request body refused: ${err.message}`);
    throw failures.invalidJson('request body is not valid JSON');
  }
}

/** The body as UTF-8 text (invalid sequences become U+FFFD, as Buffer#toString does); TooLarge past `limit`. */
async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  try {
    const body = await getRawBody(req, { limit, length: declared ?? null });
    return body.toString('utf8');
  } catch (err) {
    // raw-body pauses the request on an error: the rest is discarded, not left unread in the socket
    req.resume();
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large') throw new TooLarge();
    if (type === 'request.aborted') throw failures.invalidJson('request aborted');
    throw failures.invalidJson(`request body could not be read: ${(err as Error).message}`);
  }
}
