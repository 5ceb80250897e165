/**
 * What the directory knows about auth tokens: the user's token generation, and which user
 * changes end the tokens a user already has.
 *
 * A token carries the generation of its user at issue (claim `gen`). A change that takes away
 * what a token relied on — the user disabled, demoted from admin, or no longer a Qubicle
 * recipient — raises the generation stored in the user's document (`pvt_token_generation`, a
 * private key: never accepted from a client, never shown), in the same conditional write as the
 * change itself. `token_check` refuses every token whose `gen` is below it, so the end is final:
 * re-enabling or promoting the user again does not bring old tokens back.
 */
import type { PrincipalChangeReason, UserDoc } from '@qubicle/contracts';
import { isRecipient } from './users.js';

export const TOKEN_GENERATION_KEY = 'pvt_token_generation';

/** The user's token generation (0 until the first change that ended tokens). */
export function tokenGeneration(doc: UserDoc): number {
  const v = doc[TOKEN_GENERATION_KEY];
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0;
}

/** Why `next` ends the tokens issued for `prev`, or null when it does not. */
export function tokenEndingChange(prev: UserDoc, next: UserDoc): PrincipalChangeReason | null {
  if (prev.enabled !== false && next.enabled === false) return 'user_disabled';
  if (prev.priv_level === 'admin' && next.priv_level !== 'admin') return 'user_demoted';
  if (isRecipient(prev) && !isRecipient(next)) return 'qubicle_disabled';
  return null;
}

/**
 * `next` with the generation it must be written with: `prev`'s (a replace builds the document
 * from the client's body, which never carries private keys), plus one when the change ends tokens.
 */
export function withTokenGeneration(prev: UserDoc, next: UserDoc, endsTokens: boolean): UserDoc {
  const generation = tokenGeneration(prev) + (endsTokens ? 1 : 0);
  const out: UserDoc = { ...next };
  delete out[TOKEN_GENERATION_KEY];
  if (generation > 0) out[TOKEN_GENERATION_KEY] = generation;
  return out;
}
