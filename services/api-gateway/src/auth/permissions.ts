/**
 * Who may do what (a token only ever opens its own account; that is checked on the
 * :account_id path parameter before any of these):
 * - any valid token of the account may read: recipients list/get/status/bulk status, users list/get;
 * - an admin (priv_level admin, or an api_auth token) may change any recipient or user of the account;
 * - a plain user may change only their own recipient state (`:id === owner_id`), or that of a member
 *   of a queue they manage (routes/supervision.ts; a bulk set naming anyone else is refused as a
 *   whole), and their own users document, without raising priv_level / enabled / qubicle;
 * - a plain user may read only their own session history (GET …/{id}/sessions);
 * - enable/disable, user create/delete and reading the account document are admin-only;
 * - queues (routes/queues.ts): any token reads them, their rosters and the membership; only an
 *   admin creates, changes, deletes a queue or sets its roles; an admin or a manager of that queue
 *   (its per-queue roles) sets or clears its roster.
 */
import type { QueueRoles, UserDoc, UserWrite } from '@qubicle/contracts';
import { failures } from '../crossbar/errors.js';
import { isAdmin, type Principal } from './principal.js';

export function assertAdmin(p: Principal): void {
  if (!isAdmin(p)) throw failures.forbidden('admin privileges required');
}

export function canActOnRecipient(p: Principal, recipientId: string): boolean {
  return isAdmin(p) || p.ownerId === recipientId;
}

/**
 * Session history (stats of past logins): an admin reads anyone's of the account, a plain user
 * only their own (another agent's performance is a supervisor's business).
 */
export function assertCanReadSessions(p: Principal, recipientId: string): void {
  if (!canActOnRecipient(p, recipientId)) throw failures.forbidden('a user may only read their own session history');
}

/** Only an admin may write another user's document. */
export function assertCanWriteUser(p: Principal, userId: string): void {
  if (!isAdmin(p) && p.ownerId !== userId) throw failures.forbidden('a user may only change their own document');
}

/**
 * A plain user writing their own document may not raise what guards access:
 * priv_level to admin, enabled to true, qubicle.enabled or qubicle.permissions.monitor to true.
 * Sending the current values back (as Monster UI does with the whole document) is fine.
 */
export function assertNoPrivilegeRaise(current: UserDoc, write: Partial<UserWrite>): void {
  const raised: string[] = [];
  if (write.priv_level === 'admin' && current.priv_level !== 'admin') raised.push('priv_level');
  if (write.enabled === true && current.enabled !== true) raised.push('enabled');
  if (write.qubicle?.enabled === true && current.qubicle?.enabled !== true) raised.push('qubicle.enabled');
  if (write.qubicle?.permissions?.monitor === true && current.qubicle?.permissions?.monitor !== true) {
    raised.push('qubicle.permissions.monitor');
  }
  if (raised.length > 0) throw failures.forbidden(`a user may not raise ${raised.join(', ')} of their own document`);
}

/**
 * For a plain user's full replace (POST /users/{id}): the guarded fields it omits keep their
 * current values, so a replace cannot reset them to defaults either.
 */
export function keepGuardedFields(current: UserDoc, write: UserWrite): UserWrite {
  const out: UserWrite = { ...write };
  out.priv_level = write.priv_level ?? current.priv_level;
  out.enabled = write.enabled ?? current.enabled;
  out.qubicle = {
    ...write.qubicle,
    enabled: write.qubicle?.enabled ?? current.qubicle?.enabled ?? false,
    permissions: {
      ...write.qubicle?.permissions,
      monitor: write.qubicle?.permissions?.monitor ?? current.qubicle?.permissions?.monitor ?? false,
    },
  };
  return out;
}

/** A manager of this queue (named in its roles); admins pass without being named. */
export function isQueueManager(p: Principal, roles: QueueRoles): boolean {
  return p.ownerId !== undefined && roles.managers.includes(p.ownerId);
}

/** Setting or clearing a queue's roster: an admin, or a manager of that queue. */
export function assertCanEditRoster(p: Principal, roles: QueueRoles): void {
  if (!isAdmin(p) && !isQueueManager(p, roles)) throw failures.forbidden('admin privileges or a manager role of this queue required');
}
