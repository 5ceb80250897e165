/**
 * Bindings of the event websocket, KAZOO blackhole style: `qubicle.recipient.{recipient_id}.{event}`,
 * `qubicle.queue.{queue_id}.{event}` and `qubicle.session.{session_id}.{event}`, with AMQP topic
 * wildcards (`*` = one word, `#` = zero or more words). The account is NOT in the binding: it comes
 * from the subscription's `data.account_id` (which must be the token's account).
 *
 * Shorthand: a binding without `#` and with fewer than four words is completed with `*`, so
 * `qubicle.recipient.*` = every event of every recipient of the account and
 * `qubicle.recipient.{id}` = every event of that recipient.
 *
 * Queue and session events reach only bindings that NAME their kind (`qubicle.queue.…`,
 * `qubicle.session.…`): a client of the recipient events bound to `qubicle.#` or `qubicle.*.*.delete`
 * keeps receiving exactly the recipient events it was written for.
 */
import { RECIPIENT_EVENTS } from '../bus/events/recipient-event.js';
import { QUEUE_EVENTS } from '../queue/queue-event.js';
import { SESSION_EVENTS } from '../queue/session-event.js';

/** The kinds of events the websocket serves: the binding's second word. */
export const LIVE_EVENT_KINDS = ['recipient', 'queue', 'session'] as const;
export type LiveEventKind = (typeof LIVE_EVENT_KINDS)[number];
const EVENTS_OF: Record<LiveEventKind, readonly string[]> = { recipient: RECIPIENT_EVENTS, queue: QUEUE_EVENTS, session: SESSION_EVENTS };

/** One word of a binding: a literal, `*` or `#`. */
const WORD = '([A-Za-z0-9_-]{1,64}|\\*|#)';
/** `qubicle` first, then up to 7 more words (checked again by liveBindingProblem). */
export const LIVE_BINDING_PATTERN = `^qubicle(\\.${WORD}){0,7}$`;
export const LIVE_BINDING_MAX_LENGTH = 256;

export const liveBindingSchema = { type: 'string', minLength: 1, maxLength: LIVE_BINDING_MAX_LENGTH, pattern: LIVE_BINDING_PATTERN } as const;

/** The words of an event key as the websocket matches it (no account). */
export const LIVE_EVENT_KEY_WORDS = 4;

/** `qubicle.recipient.{recipient_id}.{event}`: what bindings are matched against. */
export function liveEventKey(recipientId: string, event: string): string {
  return `qubicle.recipient.${recipientId}.${event}`;
}

/** `qubicle.{queue|session}.{id}.{event}`: what bindings naming that kind are matched against. */
export function liveQueueSideEventKey(kind: 'queue' | 'session', id: string, event: string): string {
  return `qubicle.${kind}.${id}.${event}`;
}

/** The kind a (normalised) binding names literally, if any (queue and session events need it). */
export function liveBindingKind(binding: string): LiveEventKind | undefined {
  const second = binding.split('.')[1];
  return (LIVE_EVENT_KINDS as readonly string[]).includes(second ?? '') ? (second as LiveEventKind) : undefined;
}

/** The binding as matched: completed with `*` up to four words when it has no `#`. */
export function normalizeLiveBinding(binding: string): string {
  const words = binding.split('.');
  if (words.includes('#')) return binding;
  while (words.length < LIVE_EVENT_KEY_WORDS) words.push('*');
  return words.join('.');
}

/**
 * Why a (schema-valid) binding is refused, or undefined: its second word is `recipient`, `queue`,
 * `session`, `*` or `#` (or it is `qubicle` / `qubicle.#`), it has at most four words, and its
 * event word is an event of its kind (of any kind under a wildcard).
 */
export function liveBindingProblem(binding: string): string | undefined {
  const words = normalizeLiveBinding(binding).split('.');
  if (words[0] !== 'qubicle') return 'bindings start with "qubicle."';
  const second = words[1];
  if (second !== undefined && second !== '*' && second !== '#' && !(LIVE_EVENT_KINDS as readonly string[]).includes(second)) {
    return `only qubicle.recipient, qubicle.queue and qubicle.session events are served here, not qubicle.${second}`;
  }
  const kind = second !== undefined && second !== '*' && second !== '#' ? (second as LiveEventKind) : undefined;
  if (!words.includes('#') && words.length > LIVE_EVENT_KEY_WORDS) {
    return `a binding has at most 4 words: qubicle.${kind ?? 'recipient'}.{${kind ?? 'recipient'}_id}.{event}`;
  }
  const event = words[3];
  const names = kind ? EVENTS_OF[kind] : [...new Set(LIVE_EVENT_KINDS.flatMap((k) => EVENTS_OF[k]))];
  if (event !== undefined && event !== '*' && event !== '#' && !names.includes(event)) {
    return `unknown event "${event}" (one of ${names.join(', ')})`;
  }
  return undefined;
}
