/**
 * Bindings of the event websocket, KAZOO blackhole style: `qubicle.recipient.{recipient_id}.{event}`
 * with AMQP topic wildcards (`*` = one word, `#` = zero or more words). The account is NOT in the
 * binding: it comes from the subscription's `data.account_id` (which must be the token's account).
 *
 * Shorthand: a binding without `#` and with fewer than four words is completed with `*`, so
 * `qubicle.recipient.*` = every event of every recipient of the account and
 * `qubicle.recipient.{id}` = every event of that recipient.
 */
import { RECIPIENT_EVENTS } from '../bus/events/recipient-event.js';

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

/** The binding as matched: completed with `*` up to four words when it has no `#`. */
export function normalizeLiveBinding(binding: string): string {
  const words = binding.split('.');
  if (words.includes('#')) return binding;
  while (words.length < LIVE_EVENT_KEY_WORDS) words.push('*');
  return words.join('.');
}

/**
 * Why a (schema-valid) binding is refused, or undefined: it must be able to match recipient
 * events, i.e. its second word is `recipient`, `*` or `#` (or it is `qubicle` / `qubicle.#`).
 */
export function liveBindingProblem(binding: string): string | undefined {
  const words = normalizeLiveBinding(binding).split('.');
  if (words[0] !== 'qubicle') return 'bindings start with "qubicle."';
  const second = words[1];
  if (second !== undefined && second !== 'recipient' && second !== '*' && second !== '#') {
    return `only qubicle.recipient events are served here, not qubicle.${second}`;
  }
  if (!words.includes('#') && words.length > LIVE_EVENT_KEY_WORDS) {
    return 'a binding has at most 4 words: qubicle.recipient.{recipient_id}.{event}';
  }
  const event = words[3];
  if (event !== undefined && event !== '*' && event !== '#' && !(RECIPIENT_EVENTS as readonly string[]).includes(event)) {
    return `unknown event "${event}" (one of ${RECIPIENT_EVENTS.join(', ')})`;
  }
  return undefined;
}
