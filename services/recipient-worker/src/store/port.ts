/**
 * The store port of the recipient worker, by aggregate (ports/): the directory (accounts, users,
 * deleted tokens), the recipients (fenced state, outbox, tombstones), the session history, and
 * the cluster's bookkeeping (meta, nodes, shard leases). `Store` is all of them over one
 * connection (and the queues: documents, rosters, roles): what the worker is given, and what a caller that needs several aggregates takes; a
 * caller that needs one takes that port.
 *
 * Three adapters implement it and must behave identically (one contract test suite runs against
 * each, test/store/store-contract.ts): `SqliteStore` (embedded default, several processes may
 * share one file), `MongoStore` (production cluster) and `MemoryStore` (one process, no
 * persistence: unit tests and an embedded run). Their shared rules are in this folder
 * (fencing.ts, documents.ts, sessions.ts), once.
 */
import type { AuditStore } from './ports/audit.js';
import type { ClusterStore } from './ports/cluster.js';
import type { DirectoryStore } from './ports/directory.js';
import type { StoreLifecycle } from './ports/lifecycle.js';
import type { QueueStore } from './ports/queues.js';
import type { RecipientStore } from './ports/recipients.js';
import type { SessionStore } from './ports/sessions.js';

export type { SessionRecord } from '@qubicle/contracts';
export * from './errors.js';
export type * from './records.js';
export type { AuditQuery, AuditStore } from './ports/audit.js';
export type { ClusterStore } from './ports/cluster.js';
export type { DirectoryStore } from './ports/directory.js';
export type { StoreKind, StoreLifecycle } from './ports/lifecycle.js';
export type { QueueStore, StoredQueue } from './ports/queues.js';
export type { RecipientStore } from './ports/recipients.js';
export type { SessionStore } from './ports/sessions.js';

export interface Store extends StoreLifecycle, DirectoryStore, RecipientStore, SessionStore, AuditStore, ClusterStore, QueueStore {}
