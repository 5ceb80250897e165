/**
 * The record shapes the store ports read and write (one definition for every adapter). The
 * documents themselves (accounts, users, recipient state, events, sessions) are contracts.
 */
import type { AuditEntry, RecipientEvent, RecipientState, SessionRecord } from '@qubicle/contracts';

/** Who writes a shard's recipients, under which lease epoch (see ports/recipients.ts, Fencing). */
export interface Fence {
  shard: number;
  epoch: number;
  node: string;
}

/** One recipient's new state and the events of the change, written atomically (see "The outbox"). */
export interface RecipientWrite {
  state: RecipientState;
  shard: number;
  /** The change's events, in seq order (all of this recipient). Absent = none. */
  events?: RecipientEvent[];
  /** The change's audit entries (one per event), written with it (ports/audit.ts). Absent = none. */
  audit?: AuditEntry[];
}

/** A logout: the state goes, a tombstone remembers its command ids, the events and the session are kept. */
export interface RecipientLogout {
  account_id: string;
  recipient_id: string;
  shard: number;
  /** The logout's events (`delete`, and those before it in the same change), in seq order. */
  events: RecipientEvent[];
  /** The logout's audit entries (one per event), written with it (ports/audit.ts). */
  audit?: AuditEntry[];
  /** The session for the history (appendSession's record), written with the logout. */
  session?: SessionRecord;
  /** Command ids to remember after the logout (oldest first), and until when (ms since epoch). */
  recent_commands: string[];
  forget_at: number;
  /** ms since epoch: tombstones of this shard whose forget_at passed are purged by the same write. */
  now: number;
}

/** What is remembered of a recipient after its logout (until forget_at). */
export interface LoggedOutRecipient {
  recent_commands: string[];
  forget_at: number;
}

/** Identifies an outbox event: the recipient and the event's seq. */
export type OutboxKey = Pick<RecipientEvent, 'account_id' | 'recipient_id' | 'seq'>;

export interface StoredRecipient {
  state: RecipientState;
  shard: number;
  /** Epoch of the lease under which it was last written (or claimed). */
  epoch: number;
  /** ms since epoch of the last write. */
  updated: number;
}

/** Opaque to the store: a 4-hex lookup bucket + a scrypt hash string. Never returned by user reads. */
export interface UserCredentials {
  bucket: string;
  hash: string;
}

export interface Lease {
  shard: number;
  /** null once released. */
  owner: string | null;
  epoch: number;
  /** ms since epoch; 0 once released. */
  expires_at: number;
}

export interface NodeRecord {
  name: string;
  started_at: number;
  heartbeat_at: number;
  info: Record<string, unknown>;
}
