/**
 * A websocket client message, read: text only, the safe parse of every entrance (no prototype
 * keys, no deep nesting: libs/contracts wire/safe-json.ts), then its contract. What cannot be
 * read is a Refusal to answer (with the message's request_id when one could be read).
 */
import type { RawData } from 'ws';
import { CLIENT_JSON_MAX_DEPTH, UnsafeJsonError, detailLines, parseJson, validateLiveClientMessage, type LiveClientMessage } from '@qubicle/contracts';
import { Refusal } from './replies.js';

export type ReadMessage = { ok: true; msg: LiveClientMessage; requestId: string | undefined } | { ok: false; refusal: Refusal; requestId: string | undefined };

export function readClientMessage(data: RawData, isBinary: boolean): ReadMessage {
  if (isBinary) return { ok: false, requestId: undefined, refusal: new Refusal('invalid_message', ['binary messages are not supported: send JSON text']) };
  let parsed: unknown;
  try {
    parsed = parseJson(rawText(data), CLIENT_JSON_MAX_DEPTH);
  } catch (err) {
    const why = err instanceof UnsafeJsonError && err.reason !== 'syntax' ? `message refused: ${err.message}` : 'message is not valid JSON';
    return { ok: false, requestId: undefined, refusal: new Refusal('invalid_message', [why]) };
  }
  const rid = (parsed as { request_id?: unknown } | null)?.request_id;
  const requestId = typeof rid === 'string' && rid.length > 0 && rid.length <= 256 ? rid : undefined;
  const v = validateLiveClientMessage(parsed);
  if (!v.ok) return { ok: false, requestId, refusal: new Refusal('invalid_message', detailLines(v.details), v.details) };
  return { ok: true, msg: v.value, requestId };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
