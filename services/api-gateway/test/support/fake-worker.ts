/**
 * A fake recipient worker on the bus: serves `qubicle.directory` and every shard queue with
 * canned replies from a fixture and a tiny state table, validates what it receives against the
 * contracts (an invalid message is answered `invalid_message`, as the real worker would), and
 * records every message so tests can assert what the gateway sent — or that it sent nothing.
 */
import {
  DIRECTORY_QUEUE,
  NOT_LOGGED_IN_STATUS,
  awayReasonList,
  errorReply,
  okReply,
  shardOf,
  shardQueue,
  isQueueMessageType,
  validateDirectoryRequest,
  validateShardMessage,
  type DirectoryRequest,
  type QubicleError,
  type RecipientSession,
  type RecipientStatus,
  type RpcReply,
  type ShardMessage,
  type UserDoc,
} from '@qubicle/contracts';
import { NO_REPLY, type Bus, type Consumer, type IncomingMessage } from '@qubicle/transport';
import { FakeQueueFailure, FakeQueues } from './fake-queues.js';
import { FakeQueueProcess } from './fake-queue-process.js';
import { md5, newId, type Fixture } from './fixtures.js';

export interface Received {
  queue: string;
  body: Record<string, unknown>;
  requestId: string | undefined;
}

export type Override = (
  msg: IncomingMessage,
) => RpcReply<unknown> | typeof NO_REPLY | undefined | Promise<RpcReply<unknown> | typeof NO_REPLY | undefined>;

export const WORKER_NODE = 'recipient-worker@test';

/** What the gateway asks on its own, not for a request's route (left out of `traffic`). */
const BACKGROUND = new Set(['cluster_info', 'token_check']);

export class FakeWorker {
  readonly received: Received[] = [];
  /** When true, nothing is answered (the gateway's RPCs time out). */
  silent = false;
  /** Per message type: a reply to give instead of the canned one (undefined = canned). */
  readonly overrides = new Map<string, Override>();
  /** Logged-in recipients. */
  readonly statuses = new Map<string, RecipientStatus>();
  /** Event seq of each logged-in recipient, for get_snapshot (default 1). */
  readonly seqs = new Map<string, number>();
  readonly users = new Map<string, { doc: UserDoc; rev: number }>();
  /** Session history per recipient id, newest first (session_list pages through it). */
  readonly sessions = new Map<string, RecipientSession[]>();
  /** jti of the tokens deleted through token_revoke (token_check refuses them). */
  readonly revokedTokens = new Set<string>();
  /** Queue documents, rosters and roles (fake-queues.ts). */
  readonly queues: FakeQueues;
  /** The running queues (fake-queue-process.ts): status, sessions, a supervisor's action. */
  readonly queueProcess: FakeQueueProcess;
  private consumers: Consumer[] = [];

  constructor(
    readonly fixture: Fixture,
    /** the cluster's shard count (cluster_info answers it; shard commands with another count get shard_mismatch) */
    public shardCount: number,
  ) {
    for (const u of fixture.users) this.users.set(u.id, { doc: { ...u, password: 'must-never-be-returned' }, rev: 1 });
    this.queues = new FakeQueues(fixture.account.id, () => this.users.values());
    this.queueProcess = new FakeQueueProcess(this.queues, fixture.account.id, WORKER_NODE);
  }

  /** Serves the directory and `queues` shard queues (default: shardCount). */
  async start(bus: Bus, queues = this.shardCount): Promise<void> {
    this.consumers.push(await bus.serve({ name: DIRECTORY_QUEUE }, (m) => this.handle(DIRECTORY_QUEUE, m), { prefetch: 50 }));
    for (let s = 0; s < queues; s++) {
      const q = shardQueue(s);
      this.consumers.push(await bus.serve({ name: q }, (m) => this.handle(q, m), { prefetch: 50 }));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.cancel()));
  }

  /** Messages received on shard queues (commands), optionally of one type. */
  commands(type?: string): Received[] {
    return this.received.filter((r) => r.queue !== DIRECTORY_QUEUE && (type === undefined || r.body['type'] === type));
  }

  /** Directory requests received, optionally of one type (cluster_info and token_check excluded unless asked). */
  directoryRequests(type?: string): Received[] {
    return this.received.filter(
      (r) => r.queue === DIRECTORY_QUEUE && (type === undefined ? !BACKGROUND.has(String(r.body['type'])) : r.body['type'] === type),
    );
  }

  /** Everything but the background look-ups (cluster_info, and the token checks: see tokenChecks). */
  get traffic(): Received[] {
    return this.received.filter((r) => !BACKGROUND.has(String(r.body['type'])));
  }

  /** The token_check requests received (the gateway asks before it trusts a token it did not issue). */
  get tokenChecks(): Received[] {
    return this.received.filter((r) => r.body['type'] === 'token_check');
  }

  login(recipientId: string, status: Partial<RecipientStatus> = {}): void {
    this.statuses.set(recipientId, { ...loggedIn('Away'), ...status });
  }

  private async handle(queue: string, msg: IncomingMessage): Promise<unknown> {
    const body = msg.body as Record<string, unknown>;
    this.received.push({ queue, body, requestId: msg.requestId });
    if (this.silent) return NO_REPLY;
    const override = this.overrides.get(String(body['type']));
    const o = await override?.(msg);
    if (o !== undefined) return o;
    try {
      if (queue !== DIRECTORY_QUEUE && isQueueMessageType(body['type'])) return this.queueProcess.handle(queue, msg.body, this.shardCount);
      return queue === DIRECTORY_QUEUE ? this.directory(msg.body) : this.shard(queue, msg.body);
    } catch (e) {
      if (e instanceof Refusal) return errorReply(e.error, WORKER_NODE);
      throw e;
    }
  }

  private directory(raw: unknown): RpcReply<unknown> {
    const v = validateDirectoryRequest(raw);
    if (!v.ok) return errorReply({ code: 'invalid_message', message: JSON.stringify(v.details) });
    const req: DirectoryRequest = v.value;
    const f = this.fixture;
    const accountOk = (id: string) => {
      if (id !== f.account.id) throw err({ code: 'not_found', message: 'no such account', cause: 'account' });
    };
    const userOf = (id: string) => {
      const u = this.users.get(id);
      if (!u) throw err({ code: 'not_found', message: 'no such user', cause: 'user' });
      return u;
    };
    if (FakeQueues.handles(req)) {
      try {
        return okReply(this.queues.handle(req));
      } catch (e) {
        if (e instanceof FakeQueueFailure) return errorReply(e.error);
        throw e;
      }
    }
    const docReply = (u: { doc: UserDoc; rev: number }) => okReply({ doc: u.doc, rev: `${u.rev}-${md5(JSON.stringify(u.doc))}` });
    switch (req.type) {
      case 'cluster_info':
        return okReply({ shard_count: this.shardCount });
      case 'cluster_view':
        return okReply({
          shard_count: this.shardCount,
          lease_ttl_ms: 10_000,
          generated_at: 1_700_000_000_000,
          answered_by: 'fake-worker',
          nodes: [{ name: 'fake-worker', started_at: 1_699_999_990_000, heartbeat_at: 1_699_999_999_000, heartbeat_age_ms: 1000, alive: true, shards: Array.from({ length: this.shardCount }, (_, i) => i), recipients: 0, info: {} }],
          unowned_shards: [],
          orphaned_shards: [],
          total_recipients: 0,
          leases: [],
        });
      case 'auth_user': {
        const u = [...this.users.values()].find(
          (x) => md5(`${x.doc.username}:${f.passwords[x.doc.username] ?? ''}`) === req.credentials,
        );
        if (req.account_name !== f.account.name || !u) return errorReply({ code: 'unauthorized', message: 'invalid credentials' });
        return okReply({ account_id: f.account.id, account_name: f.account.name, owner_id: u.doc.id, priv_level: u.doc.priv_level });
      }
      case 'auth_api':
        if (req.api_key !== f.account.api_key) return errorReply({ code: 'unauthorized', message: 'invalid api key' });
        return okReply({ account_id: f.account.id, account_name: f.account.name, priv_level: 'admin' });
      case 'account_get': {
        accountOk(req.account_id);
        const { api_key: _k, created: _c, modified: _m, ...view } = f.account;
        return okReply(view);
      }
      case 'recipient_list':
        accountOk(req.account_id);
        return okReply(
          [...this.users.values()]
            .filter((u) => u.doc.qubicle.enabled)
            .map((u) => ({ id: u.doc.id, name: `${u.doc.first_name} ${u.doc.last_name}` })),
        );
      case 'recipient_get': {
        accountOk(req.account_id);
        const u = userOf(req.recipient_id);
        if (!u.doc.qubicle.enabled) throw err({ code: 'not_found', message: 'not a recipient', cause: 'recipient' });
        return docReply(u);
      }
      case 'recipient_set_enabled': {
        accountOk(req.account_id);
        const u = userOf(req.recipient_id);
        u.doc = { ...u.doc, qubicle: { ...u.doc.qubicle, enabled: req.enabled } };
        u.rev++;
        return docReply(u);
      }
      case 'user_list':
        accountOk(req.account_id);
        return okReply(
          [...this.users.values()].map(({ doc }) => ({
            id: doc.id,
            first_name: doc.first_name,
            last_name: doc.last_name,
            username: doc.username,
            priv_level: doc.priv_level,
            enabled: doc.enabled,
            qubicle_enabled: doc.qubicle.enabled,
          })),
        );
      case 'user_get':
        accountOk(req.account_id);
        return docReply(userOf(req.user_id));
      case 'user_create': {
        accountOk(req.account_id);
        const { password: _p, ...rest } = req.user;
        const doc: UserDoc = {
          priv_level: 'user',
          enabled: true,
          username: rest.username ?? `${rest.first_name}.${rest.last_name}`.toLowerCase(),
          ...rest,
          qubicle: { enabled: rest.qubicle?.enabled ?? false, permissions: { monitor: rest.qubicle?.permissions?.monitor ?? false } },
          id: newId(),
          account_id: req.account_id,
        };
        const u = { doc: { ...doc, password: 'must-never-be-returned' }, rev: 1 };
        this.users.set(doc.id, u);
        return docReply(u);
      }
      case 'user_update': {
        accountOk(req.account_id);
        const u = userOf(req.user_id);
        const current = `${u.rev}-${md5(JSON.stringify(u.doc))}`;
        if (req.rev !== undefined && req.rev !== current) throw err({ code: 'conflict', message: 'revision mismatch', cause: 'rev' });
        const { password: _p, ...rest } = req.user;
        u.doc = {
          priv_level: 'user',
          enabled: true,
          username: u.doc.username,
          ...rest,
          qubicle: { enabled: rest.qubicle?.enabled ?? false, permissions: { monitor: rest.qubicle?.permissions?.monitor ?? false } },
          id: u.doc.id,
          account_id: u.doc.account_id,
        };
        u.rev++;
        return docReply(u);
      }
      case 'user_patch': {
        accountOk(req.account_id);
        const u = userOf(req.user_id);
        const { password: _p, qubicle, ...rest } = req.patch;
        u.doc = {
          ...u.doc,
          ...rest,
          qubicle: {
            enabled: qubicle?.enabled ?? u.doc.qubicle.enabled,
            permissions: { monitor: qubicle?.permissions?.monitor ?? u.doc.qubicle.permissions.monitor },
          },
        };
        u.rev++;
        return docReply(u);
      }
      case 'user_delete': {
        accountOk(req.account_id);
        const u = userOf(req.user_id);
        this.users.delete(req.user_id);
        return docReply(u);
      }
      case 'account_find': {
        if (req.name.toLowerCase() !== f.account.name.toLowerCase()) throw err({ code: 'not_found', message: 'bad identifier', cause: req.name });
        const { api_key: _k, created: _c, modified: _m, ...view } = f.account;
        return okReply(view);
      }
      case 'token_check': {
        if (req.account_id !== f.account.id && req.account_id !== f.other.id) return okReply({ valid: false, reason: 'account_deleted' });
        if (this.revokedTokens.has(req.token_id)) return okReply({ valid: false, reason: 'token_deleted' });
        if (req.user_id === undefined) return okReply({ valid: true });
        const u = this.users.get(req.user_id);
        if (!u) return okReply({ valid: false, reason: 'user_deleted' });
        if (u.doc.enabled === false) return okReply({ valid: false, reason: 'user_disabled' });
        if (req.priv_level === 'admin' && u.doc.priv_level !== 'admin') return okReply({ valid: false, reason: 'user_demoted' });
        return okReply({ valid: true });
      }
      case 'token_revoke':
        this.revokedTokens.add(req.token_id);
        return okReply({ revoked: true });
      case 'session_list': {
        accountOk(req.account_id);
        userOf(req.recipient_id);
        const all = this.sessions.get(req.recipient_id) ?? [];
        const key = (x: RecipientSession) => `${x.logout_time}:${x.login_session_id}`;
        const from = req.start_key === undefined ? 0 : Math.max(0, all.findIndex((x) => key(x) === req.start_key));
        const page = all.slice(from, from + req.limit + 1);
        const next = page[req.limit];
        return okReply(next ? { sessions: page.slice(0, req.limit), next_start_key: key(next) } : { sessions: page });
      }
      case 'away_reason_list':
        accountOk(req.account_id);
        return okReply(awayReasonList(undefined));
      case 'away_reason_write':
      case 'away_reason_delete':
      case 'recipient_summary':
        // the catalogue's writes and the summary are the real directory's (tested through a real worker: test/e2e/away.test.ts)
        return errorReply({ code: 'unavailable', message: `${req.type} is not faked` });
      case 'audit_list': {
        // the fake keeps no audit trail: the real one is tested through the real worker
        accountOk(req.account_id);
        if (req.recipient_id !== undefined) userOf(req.recipient_id);
        return okReply({ entries: [] });
      }
    }
  }

  private shard(queue: string, raw: unknown): RpcReply<unknown> {
    const v = validateShardMessage(raw);
    if (!v.ok) return errorReply({ code: 'invalid_message', message: JSON.stringify(v.details) });
    const cmd: ShardMessage = v.value;
    if (cmd.shard_count !== this.shardCount) {
      return errorReply({ code: 'shard_mismatch', message: 'shard count mismatch', expected: this.shardCount, got: cmd.shard_count });
    }
    if (cmd.type === 'get_status_many') {
      const out: Record<string, unknown> = {};
      const seqs: Record<string, number> = {};
      for (const id of cmd.recipient_ids) {
        if (queue !== shardQueue(shardOf(cmd.account_id, id, this.shardCount))) throw err({ code: 'internal', message: 'wrong shard' });
        out[id] = this.statuses.get(id) ?? 'not_logged_in';
        if (this.statuses.has(id)) seqs[id] = this.seqs.get(id) ?? 1;
      }
      // like the worker: each status's seq, so that a bulk read refreshes the gateway's read model
      const reply: RpcReply<unknown> = { ok: true, data: out, node: WORKER_NODE, seqs };
      return reply;
    }
    if (cmd.type === 'get_snapshot') {
      const out: Record<string, unknown> = {};
      for (const id of cmd.recipient_ids) {
        if (queue !== shardQueue(shardOf(cmd.account_id, id, this.shardCount))) throw err({ code: 'internal', message: 'wrong shard' });
        const status = this.statuses.get(id);
        if (status) out[id] = { seq: this.seqs.get(id) ?? 1, status };
      }
      return okReply(out, WORKER_NODE);
    }
    if (queue !== shardQueue(shardOf(cmd.account_id, cmd.recipient_id, this.shardCount))) {
      throw err({ code: 'internal', message: 'wrong shard' });
    }
    const rid = cmd.recipient_id;
    const current = this.statuses.get(rid);
    const needLogin = (): RecipientStatus => {
      if (!current) throw err({ code: 'not_logged_in', message: 'recipient is not logged in', recipient_id: rid });
      return current;
    };
    switch (cmd.type) {
      case 'get_status':
        return okReply(current ?? { ...NOT_LOGGED_IN_STATUS }, WORKER_NODE);
      case 'login':
        if (!current) this.statuses.set(rid, loggedIn('Away'));
        return okReply(this.statuses.get(rid), WORKER_NODE);
      case 'logout':
        this.statuses.delete(rid);
        return okReply({ ...NOT_LOGGED_IN_STATUS }, WORKER_NODE);
      case 'set_status': {
        const s = needLogin();
        const next: RecipientStatus =
          cmd.queue_id !== undefined
            ? { ...s, queue_availability: { ...s.queue_availability, [cmd.queue_id]: cmd.status === 'ready' } }
            : { ...s, availability_state: cmd.status === 'ready' ? 'Ready' : 'Away', available: cmd.status === 'ready' };
        this.statuses.set(rid, next);
        return okReply(next, WORKER_NODE);
      }
      case 'wrapup_extend':
      case 'wrapup_cancel': {
        const s = needLogin();
        if (s.availability_state !== 'Wrapup-Time') {
          throw err({ code: 'invalid_transition', message: 'not in wrap-up', state: s.availability_state, command: cmd.type });
        }
        return okReply(s, WORKER_NODE);
      }
      case 'monitor':
      case 'monitor_stop':
        return okReply(needLogin(), WORKER_NODE);
      default:
        throw err({ code: 'invalid_message', message: `unexpected ${cmd.type}` });
    }
  }
}

export function loggedIn(state: 'Away' | 'Ready'): RecipientStatus {
  return {
    available: state === 'Ready',
    availability_state: state,
    queue_availability: {},
    wrapup_time_seconds: 0,
    stats: { total_calls: 0, missed_calls: 0, avg_call_time: 0, login_time: 1_700_000_000, last_action_time: 1_700_000_000, last_handled_time: 0 },
    node: WORKER_NODE,
  };
}

/** A refusal thrown inside the fake, answered as `{ok:false,error}`. */
class Refusal {
  constructor(readonly error: QubicleError) {}
}
function err(e: QubicleError): Refusal {
  return new Refusal(e);
}
