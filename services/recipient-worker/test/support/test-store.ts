/**
 * The unit tests' store: the memory adapter (src/store/memory, which passes the same store
 * contract as SQLite and MongoDB) with test hooks on top, and no store semantics of its own:
 * - faults: `failNext(op)` (the next call of op throws), `down` (every call throws unavailable);
 * - `gates`: a promise each call of that op waits on first (to hold a write in flight);
 * - logs: `calls` (every op called, in order) and `writes` (every successful recipient write);
 * - the adapter's tables under the names the tests read (`recipients`, `leases`, ...), and
 *   helpers that set rows up directly (`addAccount`, `addUser`, `steal`) or through the port
 *   (`markLoggedIn`, `setMeta`).
 */
import { freshRecipientState, type AccountDoc, type RecipientEvent, type RecipientState, type SessionRecord, type StoredUser, type UserDoc } from '@qubicle/contracts';
import { MemoryStore, type MemoryStoreOptions } from '../../src/store/memory/index.js';
import { StoreError, type Fence, type Lease, type RecipientLogout, type RecipientWrite, type Store } from '../../src/store/port.js';

export type StoreOp = Exclude<keyof Store, 'kind'>;

/** Every operation the hooks wrap (all of the port but close, which is only logged, and the optional signals). */
const OPERATIONS = [
  'init',
  'ping',
  'getOrSetMeta',
  'getMeta',
  'createAccount',
  'getAccount',
  'getAccountByName',
  'getAccountByApiKey',
  'updateAccount',
  'listUsers',
  'getUser',
  'getUserByUsername',
  'createUser',
  'updateUser',
  'deleteUser',
  'findUsersByCredentialBucket',
  'loadRecipient',
  'listRecipientsByShard',
  'countRecipientsByShard',
  'saveRecipients',
  'logoutRecipient',
  'loadLoggedOut',
  'listOutbox',
  'deleteOutbox',
  'appendSession',
  'listSessions',
  'listAudit',
  'pruneAudit',
  'heartbeatNode',
  'listNodes',
  'removeNode',
  'tryAcquireLease',
  'renewLease',
  'releaseLease',
  'listLeases',
  'claimShard',
  'revokeToken',
  'isTokenRevoked',
  'listQueues',
  'getQueue',
  'countQueues',
  'createQueue',
  'updateQueue',
  'deleteQueue',
  'getRoster',
  'setRoster',
  'listRosters',
  'listMembership',
  'getQueueRoles',
  'setQueueRoles',
  'forgetQueueMember',
] as const satisfies ReadonlyArray<StoreOp>;
// the compiler says so when a port operation is added and not wrapped here
const EVERY_OPERATION: Record<Exclude<StoreOp, (typeof OPERATIONS)[number] | 'close' | 'onAvailable' | 'saveRecipientGroups'>, never> = {};
void EVERY_OPERATION;

export interface RecordedWrite {
  op: 'save' | 'delete';
  recipient_id: string;
  state?: RecipientState;
  events?: RecipientEvent[];
  fence: Fence;
}

/** A recipient logged in on shard 0 through the port (acquire, claim, save), as a directory test needs. */
export async function markLoggedIn(store: Store, accountId: string, recipientId: string, now = Date.now()): Promise<void> {
  const node = 'directory-test-node';
  const lease = await store.tryAcquireLease(0, node, 60_000, now);
  if (!lease) throw new Error('test: cannot acquire lease 0');
  const fence = { shard: 0, epoch: lease.epoch, node };
  await store.claimShard(0, fence);
  const state = freshRecipientState({
    account_id: accountId,
    recipient_id: recipientId,
    login_session_id: `${recipientId.slice(0, 8)}-session`,
    loginTime: Math.floor(now / 1000),
    seq: 0,
  });
  await store.saveRecipients([{ state, shard: 0 }], fence);
}

export class TestStore extends MemoryStore {
  /** the store is unreachable: every call throws unavailable */
  down = false;
  readonly calls: StoreOp[] = [];
  readonly gates = new Map<StoreOp, Promise<void>>();
  /** every successful recipient write, in order */
  readonly writes: RecordedWrite[] = [];
  /** The port's optional "answers again" signal: absent unless a test sets it. */
  declare onAvailable?: (listener: () => void) => () => void;
  private readonly faults = new Map<StoreOp, unknown[]>();

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
    const self = this as unknown as Record<StoreOp, (...args: unknown[]) => Promise<unknown>>;
    for (const op of OPERATIONS) {
      const real = self[op].bind(this);
      self[op] = async (...args: unknown[]) => {
        await this.enter(op);
        const result = await real(...args);
        this.recordWrite(op, args);
        return result;
      };
    }
  }

  /** The next `times` calls of `op` throw `err` (default: unavailable). */
  failNext(op: StoreOp, err: unknown = new StoreError('unavailable', `${op}: injected failure`), times = 1): void {
    const list = this.faults.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(err);
    this.faults.set(op, list);
  }

  private async enter(op: StoreOp): Promise<void> {
    this.calls.push(op);
    const gate = this.gates.get(op);
    if (gate) await gate;
    await Promise.resolve();
    if (this.down) throw new StoreError('unavailable', 'store is down');
    const list = this.faults.get(op);
    if (list && list.length > 0) {
      const fault = list.shift();
      if (list.length === 0) this.faults.delete(op);
      throw fault;
    }
  }

  private recordWrite(op: StoreOp, args: unknown[]): void {
    if (op === 'saveRecipients') {
      const [writes, fence] = args as [RecipientWrite[], Fence];
      for (const w of writes) {
        this.writes.push({ op: 'save', recipient_id: w.state.recipient_id, state: structuredClone(w.state), ...(w.events ? { events: structuredClone(w.events) } : {}), fence });
      }
    } else if (op === 'logoutRecipient') {
      const [logout, fence] = args as [RecipientLogout, Fence];
      this.writes.push({ op: 'delete', recipient_id: logout.recipient_id, events: structuredClone(logout.events), fence });
    }
  }

  /** Each group through saveRecipients (so its gates, injected faults and write log apply), each on its own. */
  override readonly saveRecipientGroups = async (groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>> => {
    const out: Array<StoreError | null> = [];
    for (const g of groups) {
      try {
        await this.saveRecipients(g.writes, g.fence);
        out.push(null);
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        out.push(err);
      }
    }
    return out;
  };

  /** Logged only: the tests look at the tables after a worker stopped. */
  override async close(): Promise<void> {
    this.calls.push('close');
  }

  // ----- the adapter's tables
  get meta(): Map<string, unknown> {
    return this.tables.meta;
  }
  get accounts(): Map<string, AccountDoc> {
    return this.tables.accounts;
  }
  get recipients() {
    return this.tables.recipients;
  }
  get loggedOut() {
    return this.tables.loggedOut;
  }
  get outbox(): Array<{ shard: number; event: RecipientEvent }> {
    return this.tables.outbox;
  }
  get leases(): Map<number, Lease> {
    return this.tables.leases;
  }
  get nodes() {
    return this.tables.nodes;
  }
  /** The session history, in append order (a copy). */
  get sessions(): SessionRecord[] {
    return [...this.tables.sessions.values()];
  }
  /** The outbox's events (in write order). */
  outboxEvents(): RecipientEvent[] {
    return this.tables.outbox.map((o) => o.event);
  }

  // ----- rows set up directly
  addAccount(over: Partial<AccountDoc> & { id: string }): AccountDoc {
    const doc: AccountDoc = {
      name: `acct-${over.id.slice(0, 6)}`,
      api_key: over.id.repeat(2),
      features: { pro: true },
      qubicle: { missed_call_threshold: 0 },
      created: 0,
      modified: 0,
      ...over,
    };
    this.tables.accounts.set(doc.id, doc);
    return doc;
  }

  addUser(accountId: string, id: string, over: Partial<UserDoc> = {}): StoredUser {
    const doc: UserDoc = {
      id,
      account_id: accountId,
      first_name: 'First',
      last_name: id.slice(-4),
      username: `user-${id.slice(-6)}`,
      priv_level: 'user',
      enabled: true,
      qubicle: { enabled: true, permissions: { monitor: false } },
      ...over,
    };
    const user: StoredUser = { doc, rev: '1-abc', created: 0, modified: 0 };
    this.tables.users.set(id, { user, creds: null });
    return user;
  }

  /** Another node takes the shard (bumps the epoch). */
  steal(shard: number, node = 'thief', now = Date.now()): Lease {
    const prev = this.tables.leases.get(shard);
    const lease: Lease = { shard, owner: node, epoch: (prev?.epoch ?? 0) + 1, expires_at: now + 60_000 };
    this.tables.leases.set(shard, lease);
    return lease;
  }

  // ----- rows set up through the port
  markLoggedIn(accountId: string, recipientId: string): Promise<void> {
    return markLoggedIn(this, accountId, recipientId);
  }
  /** The first value wins (getOrSetMeta), as the cluster's shard_count does. */
  async setMeta(key: string, value: unknown): Promise<void> {
    await this.getOrSetMeta(key, value);
  }
}
