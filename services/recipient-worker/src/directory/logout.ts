import { randomUUID } from 'node:crypto';
import { isQubicleError, isRetryable, QubicleFailure, shardOf, shardQueue, type LogoutCommand } from '@qubicle/contracts';
import type { DirectoryBus, LogoutRecipient } from './types.js';

export const LOGOUT_TIMEOUT_MS = 5000;

/**
 * The default LogoutRecipient: a `logout` command on the recipient's shard queue, as any other
 * recipient command. A reply `not_logged_in` counts as success (someone logged them out first).
 * A retryable error reply (`isRetryable`: timeout, unavailable) is passed on, any other becomes `internal` (a client
 * deleting a user must not see the actor's 400/409 codes); a bus failure (TransportError)
 * propagates and becomes `timeout` / `unavailable`. In every failure case the directory change
 * that needed the logout is not made.
 */
export function busLogoutRecipient(bus: DirectoryBus, shardCount: number): LogoutRecipient {
  return async (accountId, recipientId, info) => {
    const command: LogoutCommand = {
      type: 'logout',
      command_id: randomUUID(),
      account_id: accountId,
      recipient_id: recipientId,
      shard_count: shardCount,
      by: { service: 'qubicle.directory' },
    };
    if (info?.reason !== undefined) command.reason = info.reason;
    const queue = shardQueue(shardOf(accountId, recipientId, shardCount));
    const opts: { timeoutMs: number; requestId?: string } = { timeoutMs: LOGOUT_TIMEOUT_MS };
    if (info?.requestId !== undefined) opts.requestId = info.requestId;
    const reply = (await bus.call(queue, command, opts)) as { ok?: unknown; error?: unknown } | null;
    if (reply && reply.ok === false) {
      const error = isQubicleError(reply.error) ? reply.error : null;
      if (error?.code === 'not_logged_in') return;
      if (error && isRetryable(error.code)) throw new QubicleFailure(error);
      throw new QubicleFailure({
        code: 'internal',
        message: `could not log the recipient out (${error?.code ?? 'malformed reply'})`,
      });
    }
  };
}
