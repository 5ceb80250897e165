/**
 * Publishing the auth notices (bus/auth/auth-notice.ts) on AUTH_EXCHANGE, for the gateways' token
 * caches. Called after the store write the notice is about: a gateway that re-checks a token on
 * receiving it reads the new state.
 *
 * A notice that cannot be published does not undo the change, nor fail the request that made it
 * (the change is written; answering an error would make the client retry something done): it is
 * logged, and the gateways fall back on their re-check (every token is asked about again after at
 * most AUTH_TOKEN_RECHECK_MS, and at once after a gateway's own bus reconnect).
 */
import { AUTH_EXCHANGE, authNoticeKey } from '@qubicle/contracts';
import type { AuthNotifier, DirectoryBus, DirectoryLogger } from './types.js';

// declared with the other directory types (types.ts needs it: no import circle)
export type { AuthNotifier } from './types.js';

export function busAuthNotifier(bus: DirectoryBus, logger: DirectoryLogger): AuthNotifier {
  return async (notice, requestId) => {
    if (!bus.publish) {
      logger.warn({ type: notice.type }, 'directory: this bus cannot publish auth notices; gateways rely on their re-check');
      return;
    }
    try {
      await bus.publish(AUTH_EXCHANGE, authNoticeKey(notice.type), notice, requestId !== undefined ? { requestId } : undefined);
    } catch (err) {
      // ids only: a notice never carries a token, and this line must not either
      logger.error(
        { err, type: notice.type, account_id: notice.account_id, user_id: notice.user_id, request_id: requestId },
        'directory: auth notice not published; gateways will catch up on their next token re-check',
      );
    }
  };
}
