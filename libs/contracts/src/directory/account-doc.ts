import type { AwayReason } from '../recipient/away-reason.js';

/** Consecutive missed offers before a recipient is sent Away, for an account document that does not say. */
export const DEFAULT_MISSED_CALL_THRESHOLD = 3;

/** An account as the directory stores it. `api_key` is a secret: never log it. */
export interface AccountDoc {
  id: string;
  name: string;
  /** KAZOO api_key used by PUT /v2/api_auth (64 hex). */
  api_key: string;
  features: {
    /** Callcenter Pro: enables monitor. */
    pro: boolean;
  };
  qubicle: {
    /** Consecutive missed offers after which a recipient goes Away; 0 disables. */
    missed_call_threshold: number;
    /** The account's away-reason catalogue (without the built-in missed_calls); absent = none yet. */
    away_reasons?: AwayReason[];
  };
  created: number;
  modified: number;
}
