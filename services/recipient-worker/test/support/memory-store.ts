/**
 * An in-memory Store for unit tests of the actor, shards and handlers: same fencing and
 * lease rules as the port describes, plus fault injection (`failNext`, `down`) and a log
 * of writes. Not a replacement for the adapters' contract tests.
 */
import type { AccountDoc, RecipientEvent, RecipientState, StoredUser, UserDoc } from '@qubicle/contracts';
import {
  StoreError,
  type Fence,
  type Lease,
  type LoggedOutRecipient,
  type NodeRecord,
  type OutboxKey,
  type RecipientLogout,
  type RecipientWrite,
  type SessionRecord,
  type Store,
  type StoredRecipient,
  type UserCredentials,
} from '../../src/store/port.js';

type Op = keyof Store;

export class MemoryStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly meta = new Map<string, unknown>();
  readonly accounts = new Map<string, AccountDoc>();
  readonly users = new Map<string, StoredUser>();
  readonly recipients = new Map<string, StoredRecipient>();
  readonly sessions: SessionRecord[] = [];
  readonly leases = new Map<number, Lease>();
  readonly nodes = new Map<string, NodeRecord>();
  /** tombstones, by account/recipient */
  readonly loggedOut = new Map<string, LoggedOutRecipient & { shard: number }>();
  /** the outbox: events recorded with the state, in write order (each with its shard) */
  outbox: Array<{ shard: number; event: RecipientEvent }> = [];
  /** every successful recipient write, in order */
  readonly writes: Array<{ op: 'save' | 'delete'; recipient_id: string; state?: RecipientState; events?: RecipientEvent[]; fence: Fence }> = [];
  /** the store is unreachable: every call throws unavailable */
  down = false;
  private readonly faults = new Map<Op, Error[]>();
  /** a promise each call of that op waits on first (to hold a write in flight) */
  readonly gates = new Map<Op, Promise<void>>();
  readonly calls: Op[] = [];
  /** The port's optional "answers again" signal: absent unless a test sets it. */
  onAvailable?: (listener: () => void) => () => void;

  /** The next call of `op` throws `err` (default: unavailable). */
  failNext(op: Op, err: Error = new StoreError('unavailable', `${op}: injected failure`)): void {
    const list = this.faults.get(op) ?? [];
    list.push(err);
    this.faults.set(op, list);
  }

  private async enter(op: Op): Promise<void> {
    this.calls.push(op);
    const gate = this.gates.get(op);
    if (gate) await gate;
    await Promise.resolve();
    if (this.down) throw new StoreError('unavailable', 'store is down');
    const fault = this.faults.get(op)?.shift();
    if (fault) throw fault;
  }

  // ----- helpers for tests
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
    this.accounts.set(doc.id, doc);
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
    const stored: StoredUser = { doc, rev: '1-abc', created: 0, modified: 0 };
    this.users.set(`${accountId}/${id}`, stored);
    return stored;
  }

  // ----- Store
  async init(): Promise<void> {
    await this.enter('init');
  }
  async ping(): Promise<void> {
    await this.enter('ping');
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    await this.enter('getOrSetMeta');
    if (!this.meta.has(key)) this.meta.set(key, value);
    return this.meta.get(key) as T;
  }
  async getMeta<T>(key: string): Promise<T | undefined> {
    await this.enter('getMeta');
    return this.meta.get(key) as T | undefined;
  }

  async createAccount(doc: AccountDoc): Promise<void> {
    await this.enter('createAccount');
    if (this.accounts.has(doc.id)) throw new StoreError('conflict', 'exists');
    this.accounts.set(doc.id, structuredClone(doc));
  }
  async getAccount(id: string): Promise<AccountDoc | null> {
    await this.enter('getAccount');
    const doc = this.accounts.get(id);
    return doc ? structuredClone(doc) : null;
  }
  async getAccountByName(name: string): Promise<AccountDoc | null> {
    await this.enter('getAccountByName');
    return [...this.accounts.values()].find((a) => a.name.toLowerCase() === name.toLowerCase()) ?? null;
  }
  async getAccountByApiKey(apiKey: string): Promise<AccountDoc | null> {
    await this.enter('getAccountByApiKey');
    return [...this.accounts.values()].find((a) => a.api_key === apiKey) ?? null;
  }
  async updateAccount(doc: AccountDoc): Promise<void> {
    await this.enter('updateAccount');
    if (!this.accounts.has(doc.id)) throw new StoreError('not_found', 'no account');
    this.accounts.set(doc.id, structuredClone(doc));
  }

  async listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]> {
    await this.enter('listUsers');
    return [...this.users.values()].filter((u) => u.doc.account_id === accountId && (!filter?.qubicleOnly || u.doc.qubicle.enabled));
  }
  async getUser(accountId: string, userId: string): Promise<StoredUser | null> {
    await this.enter('getUser');
    const u = this.users.get(`${accountId}/${userId}`);
    return u ? structuredClone(u) : null;
  }
  async getUserByUsername(accountId: string, username: string): Promise<StoredUser | null> {
    await this.enter('getUserByUsername');
    return [...this.users.values()].find((u) => u.doc.account_id === accountId && u.doc.username.toLowerCase() === username.toLowerCase()) ?? null;
  }
  async createUser(doc: UserDoc, _creds: UserCredentials | null): Promise<StoredUser> {
    await this.enter('createUser');
    return this.addUser(doc.account_id, doc.id, doc);
  }
  async updateUser(doc: UserDoc, _expectedRev: string | null, _creds?: UserCredentials | null): Promise<StoredUser> {
    await this.enter('updateUser');
    return this.addUser(doc.account_id, doc.id, doc);
  }
  async deleteUser(accountId: string, userId: string): Promise<boolean> {
    await this.enter('deleteUser');
    return this.users.delete(`${accountId}/${userId}`);
  }
  async findUsersByCredentialBucket(): Promise<Array<{ user: StoredUser; hash: string }>> {
    await this.enter('findUsersByCredentialBucket');
    return [];
  }

  async loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null> {
    await this.enter('loadRecipient');
    const r = this.recipients.get(`${accountId}/${recipientId}`);
    return r ? structuredClone(r) : null;
  }
  async listRecipientsByShard(shard: number): Promise<StoredRecipient[]> {
    await this.enter('listRecipientsByShard');
    return [...this.recipients.values()].filter((r) => r.shard === shard).map((r) => structuredClone(r));
  }
  async countRecipientsByShard(): Promise<Map<number, number>> {
    await this.enter('countRecipientsByShard');
    const m = new Map<number, number>();
    for (const r of this.recipients.values()) m.set(r.shard, (m.get(r.shard) ?? 0) + 1);
    return m;
  }
  private checkFence(fence: Fence): void {
    const lease = this.leases.get(fence.shard);
    if (!lease || lease.owner !== fence.node || lease.epoch > fence.epoch) {
      throw new StoreError('fenced', `shard ${fence.shard} fenced for ${fence.node}@${fence.epoch}`);
    }
  }
  async saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void> {
    await this.enter('saveRecipients');
    for (const w of writes) if (w.shard !== fence.shard) throw new RangeError('shard mismatch');
    this.checkFence(fence);
    for (const w of writes) {
      this.recipients.set(`${w.state.account_id}/${w.state.recipient_id}`, {
        state: structuredClone(w.state),
        shard: w.shard,
        epoch: fence.epoch,
        updated: Date.now(),
      });
      this.record(w.shard, w.events);
      this.writes.push({ op: 'save', recipient_id: w.state.recipient_id, state: structuredClone(w.state), ...(w.events ? { events: structuredClone(w.events) } : {}), fence });
    }
  }
  private record(shard: number, events: readonly RecipientEvent[] | undefined): void {
    for (const event of events ?? []) this.outbox.push({ shard, event: structuredClone(event) });
  }
  /** Each group through saveRecipients (so its gates and injected faults apply), each on its own. */
  async saveRecipientGroups(groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>> {
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
  }
  async logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void> {
    await this.enter('logoutRecipient');
    if (logout.shard !== fence.shard) throw new RangeError('shard mismatch');
    this.checkFence(fence);
    const key = `${logout.account_id}/${logout.recipient_id}`;
    this.recipients.delete(key);
    if (logout.session) this.upsertSession(logout.session);
    for (const [k, t] of this.loggedOut) if (t.shard === logout.shard && t.forget_at < logout.now) this.loggedOut.delete(k);
    if (logout.forget_at > logout.now) this.loggedOut.set(key, { shard: logout.shard, forget_at: logout.forget_at, recent_commands: [...logout.recent_commands] });
    else this.loggedOut.delete(key);
    this.record(logout.shard, logout.events);
    this.writes.push({ op: 'delete', recipient_id: logout.recipient_id, events: structuredClone(logout.events), fence });
  }
  async loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null> {
    await this.enter('loadLoggedOut');
    const t = this.loggedOut.get(`${accountId}/${recipientId}`);
    return t && t.forget_at > now ? { recent_commands: [...t.recent_commands], forget_at: t.forget_at } : null;
  }
  async listOutbox(shard: number): Promise<RecipientEvent[]> {
    await this.enter('listOutbox');
    return this.outbox.filter((o) => o.shard === shard).map((o) => structuredClone(o.event));
  }
  async deleteOutbox(published: readonly OutboxKey[]): Promise<void> {
    await this.enter('deleteOutbox');
    const upTo = new Map<string, number>();
    for (const k of published) upTo.set(`${k.account_id}/${k.recipient_id}`, Math.max(k.seq, upTo.get(`${k.account_id}/${k.recipient_id}`) ?? -Infinity));
    this.outbox = this.outbox.filter((o) => !(o.event.seq <= (upTo.get(`${o.event.account_id}/${o.event.recipient_id}`) ?? -Infinity)));
  }
  /** The outbox's events (test helper). */
  outboxEvents(): RecipientEvent[] {
    return this.outbox.map((o) => o.event);
  }

  async appendSession(rec: SessionRecord): Promise<void> {
    await this.enter('appendSession');
    this.upsertSession(rec);
  }
  private upsertSession(rec: SessionRecord): void {
    const i = this.sessions.findIndex((s) => s.account_id === rec.account_id && s.recipient_id === rec.recipient_id && s.login_session_id === rec.login_session_id);
    if (i >= 0) this.sessions[i] = structuredClone(rec);
    else this.sessions.push(structuredClone(rec));
  }
  async listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]> {
    await this.enter('listSessions');
    return this.sessions
      .filter((s) => s.account_id === accountId && s.recipient_id === recipientId && (opts.before === undefined || s.logout_time < opts.before))
      .sort((a, b) => b.logout_time - a.logout_time)
      .slice(0, opts.limit);
  }

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.enter('heartbeatNode');
    const prev = this.nodes.get(name);
    this.nodes.set(name, { name, started_at: prev?.started_at ?? now, heartbeat_at: now, info });
  }
  async listNodes(): Promise<NodeRecord[]> {
    await this.enter('listNodes');
    return [...this.nodes.values()];
  }
  async removeNode(name: string): Promise<void> {
    await this.enter('removeNode');
    this.nodes.delete(name);
  }
  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    await this.enter('tryAcquireLease');
    const lease = this.leases.get(shard);
    if (lease && lease.owner === node) {
      lease.expires_at = now + ttlMs;
      return { ...lease };
    }
    if (lease && lease.owner !== null && lease.expires_at > now) return null;
    const next: Lease = { shard, owner: node, epoch: (lease?.epoch ?? 0) + 1, expires_at: now + ttlMs };
    this.leases.set(shard, next);
    return { ...next };
  }
  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    await this.enter('renewLease');
    const lease = this.leases.get(shard);
    if (!lease || lease.owner !== node || lease.epoch !== epoch) return false;
    lease.expires_at = now + ttlMs;
    return true;
  }
  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.enter('releaseLease');
    const lease = this.leases.get(shard);
    if (!lease || lease.owner !== node || lease.epoch !== epoch) return;
    lease.owner = null;
    lease.expires_at = 0;
  }
  async listLeases(): Promise<Lease[]> {
    await this.enter('listLeases');
    return [...this.leases.values()].sort((a, b) => a.shard - b.shard).map((l) => ({ ...l }));
  }
  async claimShard(shard: number, fence: Fence): Promise<void> {
    await this.enter('claimShard');
    this.checkFence(fence);
  }

  // ----- deleted auth tokens
  readonly revokedTokens = new Map<string, number>();
  async revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void> {
    await this.enter('revokeToken');
    for (const [id, exp] of this.revokedTokens) if (exp <= now) this.revokedTokens.delete(id);
    this.revokedTokens.set(tokenId, Math.max(expiresAt, this.revokedTokens.get(tokenId) ?? 0));
  }
  async isTokenRevoked(tokenId: string, now: number): Promise<boolean> {
    await this.enter('isTokenRevoked');
    return (this.revokedTokens.get(tokenId) ?? 0) > now;
  }

  /** Test helper: another node takes the shard (bumps the epoch). */
  steal(shard: number, node = 'thief', now = Date.now()): Lease {
    const prev = this.leases.get(shard);
    const lease: Lease = { shard, owner: node, epoch: (prev?.epoch ?? 0) + 1, expires_at: now + 60_000 };
    this.leases.set(shard, lease);
    return lease;
  }
}
