/**
 * The memory adapter's "database": plain maps in this process (`tables`), shared by its
 * aggregates. Every operation runs synchronously inside `run` (nothing else interleaves), so each
 * one is atomic, as a transaction is elsewhere; values are JSON round-tripped in and out
 * (documents.ts `plainJson`), so callers never share an object with the store and reads look
 * exactly as the other adapters' do.
 *
 * The tables are public: a test (or an embedded inspector) may read them, or set a row up,
 * without an operation.
 */
import type { AccountDoc, AuditEntry, QueueRoles, RecipientEvent, SessionRecord, StoredUser } from '@qubicle/contracts';
import type { Clock } from '../../clock.js';
import { StoreError } from '../errors.js';
import type { StoreLifecycle } from '../ports/lifecycle.js';
import type { StoredQueue } from '../ports/queues.js';
import type { Lease, LoggedOutRecipient, NodeRecord, StoredRecipient, UserCredentials } from '../records.js';

export interface MemoryUserRow {
  user: StoredUser;
  creds: UserCredentials | null;
}

/** A queue with its roster (sorted) and roles: one row, so that deleting the queue deletes them. */
export interface MemoryQueueRow {
  queue: StoredQueue;
  roster: string[];
  roles: QueueRoles;
}

export interface MemoryTables {
  meta: Map<string, unknown>;
  /** by account id */
  accounts: Map<string, AccountDoc>;
  /** by user id (ids are unique across accounts, as in the other adapters) */
  users: Map<string, MemoryUserRow>;
  /** logged-in recipients, by "account_id/recipient_id" */
  recipients: Map<string, StoredRecipient>;
  /** tombstones, by "account_id/recipient_id" */
  loggedOut: Map<string, LoggedOutRecipient & { shard: number }>;
  /** events recorded with the state and not yet confirmed, in write order (listOutbox sorts) */
  outbox: Array<{ shard: number; event: RecipientEvent }>;
  /** by sessions.ts `sessionKey` */
  sessions: Map<string, SessionRecord>;
  /** by audit.ts `auditKey` */
  audit: Map<string, AuditEntry>;
  leases: Map<number, Lease>;
  nodes: Map<string, NodeRecord>;
  /** deleted tokens' jti → expiry (ms since epoch) */
  revokedTokens: Map<string, number>;
  /** by queue id (ids are unique across accounts) */
  queues: Map<string, MemoryQueueRow>;
}

export function recipientKey(accountId: string, recipientId: string): string {
  return `${accountId}/${recipientId}`;
}

export class MemoryConnection implements Omit<StoreLifecycle, 'kind'> {
  readonly tables: MemoryTables = {
    meta: new Map(),
    accounts: new Map(),
    users: new Map(),
    recipients: new Map(),
    loggedOut: new Map(),
    outbox: [],
    sessions: new Map(),
    audit: new Map(),
    leases: new Map(),
    nodes: new Map(),
    revokedTokens: new Map(),
    queues: new Map(),
  };
  private closed = false;

  constructor(readonly clock: Clock) {}

  /** One operation: atomic (synchronous), answered asynchronously like every adapter's. */
  async run<T>(fn: (tables: MemoryTables) => T): Promise<T> {
    if (this.closed) throw new StoreError('unavailable', 'memory store is closed');
    return fn(this.tables);
  }

  async init(): Promise<void> {
    await this.run(() => undefined);
  }

  async ping(): Promise<void> {
    await this.run(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
