/**
 * The fake worker's queue documents, rosters and roles: canned but faithful to the directory's
 * rules that the gateway's answers depend on (the contracts' normalisation of writes, 404 for an
 * unknown queue, a roster of anyone but the account's recipients refused 400 with nothing
 * changed). The real rules are tested in the worker's directory tests and end to end.
 */
import {
  normaliseQueueWrite,
  normaliseRoster,
  patchQueueDoc,
  type DirectoryRequest,
  type QubicleError,
  type QueueDoc,
  type QueueRoles,
  type UserDoc,
} from '@qubicle/contracts';
import { newId } from './fixtures.js';

type QueueRequest = Extract<DirectoryRequest, { type: `queue_${string}` }>;

export class FakeQueueFailure extends Error {
  constructor(readonly error: QubicleError) {
    super(error.message);
  }
}

const fail = (error: QubicleError): never => {
  throw new FakeQueueFailure(error);
};

export class FakeQueues {
  readonly queues = new Map<string, { doc: QueueDoc; rev: number; roster: string[]; roles: QueueRoles }>();

  constructor(
    private readonly accountId: string,
    private readonly users: () => Iterable<{ doc: UserDoc }>,
  ) {}

  static handles(req: DirectoryRequest): req is QueueRequest {
    return req.type.startsWith('queue_');
  }

  /** A queue set up directly (tests). */
  add(doc: Partial<QueueDoc> & { name: string }, roster: string[] = [], managers: string[] = []): QueueDoc {
    const v = normaliseQueueWrite(doc);
    if (!v.ok) throw new Error(JSON.stringify(v.details));
    const full: QueueDoc = { ...v.value, id: doc.id ?? newId() };
    this.queues.set(full.id, { doc: full, rev: 1, roster: normaliseRoster(roster), roles: { managers: normaliseRoster(managers) } });
    return full;
  }

  handle(req: QueueRequest): unknown {
    if (req.account_id !== this.accountId) fail({ code: 'not_found', message: 'bad identifier', cause: req.account_id });
    const queue = (id: string) => this.queues.get(id) ?? fail({ code: 'not_found', message: 'bad identifier', cause: id });
    const reply = (q: { doc: QueueDoc; rev: number }) => ({ doc: q.doc, rev: `${q.rev}-${'0'.repeat(32)}` });
    const valid = <T>(v: { ok: true; value: T } | { ok: false; details: never }): T => (v.ok ? v.value : fail({ code: 'invalid_data', message: 'invalid data', details: (v as { details: never }).details }));
    switch (req.type) {
      case 'queue_list':
        return [...this.queues.values()].map((q) => ({ id: q.doc.id, name: q.doc.name }));
      case 'queue_get':
        return reply(queue(req.queue_id));
      case 'queue_create': {
        const doc: QueueDoc = { ...valid(normaliseQueueWrite(req.queue, { account_id: req.account_id }) as never), id: newId() };
        const q = { doc, rev: 1, roster: [], roles: { managers: [] } };
        this.queues.set(doc.id, q);
        return reply(q);
      }
      case 'queue_update': {
        const q = queue(req.queue_id);
        if (req.rev !== undefined && req.rev !== reply(q).rev) fail({ code: 'conflict', message: 'conflicting documents', cause: req.queue_id });
        q.doc = { ...valid(normaliseQueueWrite(req.queue, { account_id: req.account_id, queue_id: req.queue_id }) as never), id: req.queue_id };
        q.rev++;
        return reply(q);
      }
      case 'queue_patch': {
        const q = queue(req.queue_id);
        const { id: _id, ...fields } = q.doc;
        q.doc = { ...valid(patchQueueDoc(fields, req.patch, { account_id: req.account_id, queue_id: req.queue_id }) as never), id: req.queue_id };
        q.rev++;
        return reply(q);
      }
      case 'queue_delete': {
        const q = queue(req.queue_id);
        this.queues.delete(req.queue_id);
        return reply(q);
      }
      case 'queue_roster_get':
        return { queue_id: req.queue_id, recipients: queue(req.queue_id).roster };
      case 'queue_roster_set': {
        const q = queue(req.queue_id);
        const recipients = new Set([...this.users()].filter((u) => u.doc.account_id === this.accountId && u.doc.qubicle.enabled).map((u) => u.doc.id));
        const unknown = req.recipients.filter((id) => !recipients.has(id));
        if (unknown.length) fail({ code: 'invalid_data', message: 'invalid data', details: { recipients: { unknown_recipient: { message: 'not recipients of this account', cause: unknown[0], target: unknown } } } });
        q.roster = normaliseRoster(req.recipients);
        return { queue_id: req.queue_id, recipients: q.roster };
      }
      case 'queue_roster_clear':
        queue(req.queue_id).roster = [];
        return { queue_id: req.queue_id, recipients: [] };
      case 'queue_roster_all':
        return Object.fromEntries([...this.queues.values()].map((q) => [q.doc.id, q.roster]));
      case 'queue_membership': {
        const out: Record<string, string[]> = {};
        for (const id of req.recipient_ids ?? []) out[id] = [];
        for (const q of this.queues.values()) for (const id of q.roster) if (!req.recipient_ids || req.recipient_ids.includes(id)) (out[id] ??= []).push(q.doc.id);
        return out;
      }
      case 'queue_roles_get':
        return queue(req.queue_id).roles;
      case 'queue_roles_set': {
        const q = queue(req.queue_id);
        q.roles = { managers: normaliseRoster(req.roles.managers) };
        return q.roles;
      }
    }
  }
}
