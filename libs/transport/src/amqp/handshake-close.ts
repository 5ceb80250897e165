/**
 * Makes a broker's refusal during the AMQP opening handshake carry its reply code.
 *
 * amqplib reports a connection.close received in answer to connection.open (the vhost refused:
 * 530 NOT_ALLOWED) as `Expected ConnectionOpenOk; got <ConnectionClose channel:0>`, without the
 * code or the broker's text, and one received after start-ok (the login refused: 403) with the
 * code only in its message. connection.ts needs the code to tell "no retry can fix this" from a
 * broker that is restarting (reply-codes.ts). This wraps the one function that reads frames during
 * the handshake (`Connection.prototype.step`, used by nothing else) so that such a close becomes an
 * error with `code` and the broker's text; after the handshake frames go elsewhere and nothing
 * changes.
 *
 * This reaches into amqplib internals (lib/connection.js, lib/defs.js, stable from 0.10 to 2.x).
 * If they are not there nothing is patched and false is returned: connection.ts then falls back to
 * reading the code from the message ("Handshake terminated by server: 403 (...)").
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A connection.close received while the connection was being opened. */
export class HandshakeCloseError extends Error {
  override readonly name = 'HandshakeCloseError';
  constructor(
    readonly code: number,
    readonly replyText: string,
  ) {
    super(`Handshake terminated by server: ${code} with message "${replyText}"`);
  }
}

interface Frame {
  id?: number;
  fields?: { replyCode?: unknown; replyText?: unknown };
}
type StepCallback = (err: Error | null, frame: Frame | null) => void;
interface ConnectionPrototype {
  step?: (this: unknown, cb: StepCallback) => void;
  __qubicleHandshakeClose?: boolean;
}

let patched: boolean | undefined;

export function exposeHandshakeClose(): boolean {
  if (patched !== undefined) return patched;
  patched = false;
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('amqplib'));
    const { Connection } = require(join(root, 'lib', 'connection.js')) as { Connection?: { prototype: ConnectionPrototype } };
    const defs = require(join(root, 'lib', 'defs.js')) as { ConnectionClose?: unknown };
    const proto = Connection?.prototype;
    const closeId = defs.ConnectionClose;
    if (!proto || typeof proto.step !== 'function' || typeof closeId !== 'number') return false;
    if (!proto.__qubicleHandshakeClose) {
      const step = proto.step;
      proto.step = function stepExposingClose(this: unknown, cb: StepCallback) {
        step.call(this, (err, frame) => {
          if (err === null && frame?.id === closeId && typeof frame.fields?.replyCode === 'number') {
            cb(new HandshakeCloseError(frame.fields.replyCode, String(frame.fields.replyText ?? '')), null);
            return;
          }
          cb(err, frame);
        });
      };
      proto.__qubicleHandshakeClose = true;
    }
    patched = true;
  } catch {
    patched = false;
  }
  return patched;
}

/** The reply code and text of a failed connect, if the broker refused it (rather than the network failing). */
export function handshakeRefusal(err: unknown): { code: number; text: string } | undefined {
  if (err instanceof HandshakeCloseError) return { code: err.code, text: err.replyText };
  const m = /^Handshake terminated by server: (\d{3})\b.*?(?:with message "(.*)")?$/s.exec(err instanceof Error ? err.message : '');
  return m ? { code: Number(m[1]), text: m[2] ?? '' } : undefined;
}
