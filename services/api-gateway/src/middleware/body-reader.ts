/**
 * Reads a request body as JSON into ctx.state.body, at most MAX_BODY_BYTES (413 beyond, without
 * reading the rest). The Content-Type is not trusted either way (KAZOO clients are sloppy): the
 * body is always tried as JSON, and anything that is not JSON is a 400 'invalid request body'.
 * The parse is the contracts' parseJson (the one of every entrance): a `__proto__`, `constructor`
 * or `prototype` key anywhere, or nesting deeper than CLIENT_JSON_MAX_DEPTH, is a 400 too.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
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

function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new TooLarge());
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        req.resume(); // discard the rest
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(new TooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(failures.invalidJson(`request body could not be read: ${err.message}`));
    const onAborted = () => finish(failures.invalidJson('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
