/**
 * Is this user a recipient? Read from the users document: a recipient is a user of the
 * account whose `qubicle.enabled` is true; logging in also needs the user enabled.
 */
import type { QubicleError, StoredUser } from '@qubicle/contracts';

/** Why `user` may not log in, or null if they may. */
export function loginRefusal(user: StoredUser | null, accountId: string, recipientId: string): QubicleError | null {
  if (!user || user.doc.account_id !== accountId) {
    return { code: 'not_found', message: `user ${recipientId} does not exist in account ${accountId}`, cause: 'no_such_user' };
  }
  if (user.doc.qubicle?.enabled !== true) {
    return { code: 'not_found', message: `user ${recipientId} is not a Qubicle recipient (qubicle.enabled is not true)`, cause: 'not_a_recipient' };
  }
  if (user.doc.enabled !== true) {
    return { code: 'not_found', message: `user ${recipientId} is disabled`, cause: 'user_disabled' };
  }
  return null;
}

/** For a status read: null if `user` is a recipient of the account (enabled or not). */
export function notARecipient(user: StoredUser | null, accountId: string, recipientId: string): QubicleError | null {
  if (!user || user.doc.account_id !== accountId) {
    return { code: 'not_found', message: `user ${recipientId} does not exist in account ${accountId}`, cause: 'no_such_user' };
  }
  if (user.doc.qubicle?.enabled !== true) {
    return { code: 'not_found', message: `user ${recipientId} is not a Qubicle recipient`, cause: 'not_a_recipient' };
  }
  return null;
}
