/**
 * The whole `Store` from one adapter's aggregates: each method is the aggregate's own. Written
 * once for the three adapters, so that an adapter is only its connection and its aggregates, and
 * a method added to a port is added here once (the compiler asks for it: `implements Store`).
 */
import type { AuditEntry, AccountDoc, QueueDoc, QueueMembership, QueueRoles, QueueRosters, RecipientEvent, SessionRecord, StoredUser, UserDoc } from '@qubicle/contracts';
import type { StoreError } from './errors.js';
import type { Store } from './port.js';
import type { AuditQuery, AuditStore } from './ports/audit.js';
import type { ClusterStore } from './ports/cluster.js';
import type { DirectoryStore } from './ports/directory.js';
import type { StoreKind, StoreLifecycle } from './ports/lifecycle.js';
import type { QueueStore, StoredQueue } from './ports/queues.js';
import type { RecipientStore } from './ports/recipients.js';
import type { SessionStore } from './ports/sessions.js';
import type {
  Fence,
  Lease,
  LoggedOutRecipient,
  NodeRecord,
  OutboxKey,
  RecipientLogout,
  RecipientWrite,
  StoredRecipient,
  UserCredentials,
} from './records.js';

export interface StoreParts {
  connection: Omit<StoreLifecycle, 'kind'>;
  directory: DirectoryStore;
  recipients: RecipientStore;
  sessions: SessionStore;
  audit: AuditStore;
  cluster: ClusterStore;
  queues: QueueStore;
}

export abstract class CompositeStore implements Store {
  abstract readonly kind: StoreKind;
  /** Present when the recipients adapter has it (see ports/recipients.ts). */
  readonly saveRecipientGroups?: (groups: Array<{ writes: RecipientWrite[]; fence: Fence }>) => Promise<Array<StoreError | null>>;
  /** Present when the connection has it (see ports/lifecycle.ts). */
  readonly onAvailable?: (listener: () => void) => () => void;

  protected constructor(protected readonly parts: StoreParts) {
    const { connection, recipients } = parts;
    if (recipients.saveRecipientGroups) this.saveRecipientGroups = (groups) => recipients.saveRecipientGroups!(groups);
    if (connection.onAvailable) this.onAvailable = (listener) => connection.onAvailable!(listener);
  }

  // lifecycle
  init(): Promise<void> {
    return this.parts.connection.init();
  }
  ping(): Promise<void> {
    return this.parts.connection.ping();
  }
  close(): Promise<void> {
    return this.parts.connection.close();
  }

  // directory
  createAccount(doc: AccountDoc): Promise<void> {
    return this.parts.directory.createAccount(doc);
  }
  getAccount(id: string): Promise<AccountDoc | null> {
    return this.parts.directory.getAccount(id);
  }
  getAccountByName(name: string): Promise<AccountDoc | null> {
    return this.parts.directory.getAccountByName(name);
  }
  getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    return this.parts.directory.getAccountByApiKey(apiKey);
  }
  updateAccount(doc: AccountDoc): Promise<void> {
    return this.parts.directory.updateAccount(doc);
  }
  listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    return this.parts.directory.listUsers(accountId, filter);
  }
  getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    return this.parts.directory.getUser(accountId, userId);
  }
  getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    return this.parts.directory.getUserByUsername(accountId, username);
  }
  createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser> {
    return this.parts.directory.createUser(doc, creds);
  }
  updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser> {
    return this.parts.directory.updateUser(doc, expectedRev, creds);
  }
  deleteUser(accountId: string, userId: string): Promise<boolean> {
    return this.parts.directory.deleteUser(accountId, userId);
  }
  findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>> {
    return this.parts.directory.findUsersByCredentialBucket(accountId, bucket);
  }
  revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    return this.parts.directory.revokeToken(tokenId, expiresAt, now);
  }
  isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    return this.parts.directory.isTokenRevoked(tokenId, now);
  }

  // recipients
  loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    return this.parts.recipients.loadRecipient(accountId, recipientId);
  }
  listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    return this.parts.recipients.listRecipientsByShard(shard);
  }
  countRecipientsByShard(): Promise<Map<number, number>> {
    return this.parts.recipients.countRecipientsByShard();
  }
  saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    return this.parts.recipients.saveRecipients(writes, fence);
  }
  logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    return this.parts.recipients.logoutRecipient(logout, fence);
  }
  loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    return this.parts.recipients.loadLoggedOut(accountId, recipientId, now);
  }
  claimShard(shard: number, fence: Fence): Promise<void> {
    return this.parts.recipients.claimShard(shard, fence);
  }
  listOutbox(shard: number): Promise<RecipientEvent[]> {
    return this.parts.recipients.listOutbox(shard);
  }
  deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    return this.parts.recipients.deleteOutbox(published);
  }

  // audit
  listAudit(accountId: string, query: AuditQuery): Promise<AuditEntry[]> {
    return this.parts.audit.listAudit(accountId, query);
  }
  pruneAudit(before: number, limit: number): Promise<number> {
    return this.parts.audit.pruneAudit(before, limit);
  }

  // sessions
  appendSession(rec: SessionRecord): Promise<void> {
    return this.parts.sessions.appendSession(rec);
  }
  listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    return this.parts.sessions.listSessions(accountId, recipientId, opts);
  }

  // cluster
  getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.parts.cluster.getOrSetMeta(key, value);
  }
  getMeta<T>(key: string): Promise<T | undefined> {
    return this.parts.cluster.getMeta<T>(key);
  }
  heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    return this.parts.cluster.heartbeatNode(name, info, now);
  }
  listNodes(): Promise<NodeRecord[]> {
    return this.parts.cluster.listNodes();
  }
  removeNode(name: string): Promise<void> {
    return this.parts.cluster.removeNode(name);
  }
  tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.parts.cluster.tryAcquireLease(shard, node, ttlMs, now);
  }
  renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.parts.cluster.renewLease(shard, node, epoch, ttlMs, now);
  }
  releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    return this.parts.cluster.releaseLease(shard, node, epoch);
  }
  listLeases(): Promise<Lease[]> {
    return this.parts.cluster.listLeases();
  }

  // queues
  listQueues(accountId: string): Promise<StoredQueue[]> {
    return this.parts.queues.listQueues(accountId);
  }
  getQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.parts.queues.getQueue(accountId, queueId);
  }
  countQueues(accountId: string): Promise<number> {
    return this.parts.queues.countQueues(accountId);
  }
  createQueue(accountId: string, doc: QueueDoc): Promise<StoredQueue> {
    return this.parts.queues.createQueue(accountId, doc);
  }
  updateQueue(accountId: string, doc: QueueDoc, expectedRev: string | null): Promise<StoredQueue> {
    return this.parts.queues.updateQueue(accountId, doc, expectedRev);
  }
  deleteQueue(accountId: string, queueId: string): Promise<boolean> {
    return this.parts.queues.deleteQueue(accountId, queueId);
  }
  getRoster(accountId: string, queueId: string): Promise<string[] | null> {
    return this.parts.queues.getRoster(accountId, queueId);
  }
  setRoster(accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]> {
    return this.parts.queues.setRoster(accountId, queueId, recipientIds);
  }
  listRosters(accountId: string): Promise<QueueRosters> {
    return this.parts.queues.listRosters(accountId);
  }
  listMembership(accountId: string, recipientIds?: readonly string[]): Promise<QueueMembership> {
    return this.parts.queues.listMembership(accountId, recipientIds);
  }
  getQueueRoles(accountId: string, queueId: string): Promise<QueueRoles | null> {
    return this.parts.queues.getQueueRoles(accountId, queueId);
  }
  setQueueRoles(accountId: string, queueId: string, roles: QueueRoles): Promise<QueueRoles> {
    return this.parts.queues.setQueueRoles(accountId, queueId, roles);
  }
  forgetQueueMember(accountId: string, userId: string): Promise<void> {
    return this.parts.queues.forgetQueueMember(accountId, userId);
  }
}
