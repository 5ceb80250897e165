/**
 * What a refused `withdraw` command means to a queue: the recipient no longer holds that offer
 * (its machine answers invalid_transition when it answered, rejected or missed it first, and
 * not_logged_in once it logged out, its offer withdrawn then). That is an outcome, the queue
 * reads the recipient's status to learn which (rules/hangup.ts); a timeout is not.
 */
import { QubicleFailure } from '@qubicle/contracts';

export function isRefusedWithdraw(err: unknown): boolean {
  return err instanceof QubicleFailure && (err.error.code === 'invalid_transition' || err.error.code === 'not_logged_in');
}
