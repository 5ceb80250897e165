/**
 * The queue document (queues.md §2): what `PUT/POST/PATCH …/qubicle_queues[/{id}]` take and what
 * the API answers. Qubicle renamed three fields over the years; clients of both generations exist,
 * so a write accepts the older AND the current names and the document is always answered with the
 * current ones. `normaliseQueueWrite` is the one parse of a write: alias mapping, validation
 * (Crossbar details, as every validator of this package), defaults.
 */
import type { ValidationDetails } from '../errors.js';
import { KAZOO_ID_PATTERN } from '../ids.js';
import { requestEnvelopeSchema, type RequestEnvelope } from '../http/request-envelope.js';
import { ajv, toCrossbarDetails, type Validation } from '../schema.js';
import { DEFAULT_QUEUE_ROUTER, QUEUE_ROUTERS, type QueueRouterName } from './queue-router.js';

/** Older name → current name. A write may use either; both with different values is refused. */
export const QUEUE_FIELD_ALIASES = {
  queue_name: 'name',
  agent_connect_timeout: 'ring_timeout',
  queue_timeout: 'timeout',
} as const;
export type QueueFieldAlias = keyof typeof QUEUE_FIELD_ALIASES;

export const QUEUE_TYPES = ['queue_basic'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

/** The fields of a queue document, after normalisation (current names, defaults filled in). */
export interface QueueFields {
  /** 1–128 characters. */
  name: string;
  queue_type: QueueType;
  queue_router: QueueRouterName;
  /** Seconds a recipient is offered a call before it counts as missed. */
  ring_timeout: number;
  /** Seconds of wrap-up after a call of this queue. */
  agent_wrapup_time: number;
  /** Longest wait of a caller, in seconds. */
  timeout: number;
  /** Milliseconds between delivery rounds. */
  tick_time: number;
  /** 0 = off; else a caller entering while that many callers are in the queue times out at once. */
  timeout_if_size_exceeds: number;
  /** A caller entering while no member of the queue is logged in times out at once. */
  timeout_immediately_if_empty: boolean;
  /** The queue that takes callers who timed out here (overflow), keeping their session. */
  timeout_redirect?: string;
  /** A recipient who rejects an offer of this queue is set Away. */
  force_away_on_reject: boolean;
  /** Media id or URI of the caller's music; stored and passed on, the media layer plays it. */
  hold_treatment?: string;
  /**
   * Service-level threshold in seconds (ours; Asterisk's `servicelevel`): a caller answered after
   * waiting at most this long counts as answered within the service level (SL/SL2, queues.md).
   */
  service_level_seconds: number;
}

/** A stored queue document: the fields plus its id; unknown KAZOO fields pass through. */
export type QueueDoc = QueueFields & { id: string; [extra: string]: unknown };

/** Bounds and defaults in one place (docs/queues.md lists them from here). */
export const QUEUE_DEFAULTS = {
  queue_type: 'queue_basic',
  queue_router: DEFAULT_QUEUE_ROUTER,
  ring_timeout: 20,
  agent_wrapup_time: 0,
  timeout: 600,
  tick_time: 1000,
  timeout_if_size_exceeds: 0,
  timeout_immediately_if_empty: false,
  force_away_on_reject: false,
  service_level_seconds: 20,
} as const satisfies Partial<QueueFields>;

const nameSchema = { type: 'string', minLength: 1, maxLength: 128 };
// 3600 / 86400: the offer command's own bounds for offer_timeout_seconds / wrapup_seconds.
const ringTimeoutSchema = { type: 'integer', minimum: 1, maximum: 3600 };
const timeoutSchema = { type: 'integer', minimum: 10, maximum: 86400 };

/** Every field a write may carry, under its current and its older name. */
const queueFieldProperties = {
  name: nameSchema,
  queue_name: nameSchema,
  queue_type: { enum: [...QUEUE_TYPES] },
  queue_router: { enum: [...QUEUE_ROUTERS] },
  ring_timeout: ringTimeoutSchema,
  agent_connect_timeout: ringTimeoutSchema,
  agent_wrapup_time: { type: 'integer', minimum: 0, maximum: 86400 },
  timeout: timeoutSchema,
  queue_timeout: timeoutSchema,
  tick_time: { type: 'integer', minimum: 250, maximum: 60000 },
  timeout_if_size_exceeds: { type: 'integer', minimum: 0, maximum: 100000 },
  timeout_immediately_if_empty: { type: 'boolean' },
  // null clears it (a PATCH that removes the overflow)
  timeout_redirect: { type: ['string', 'null'], pattern: KAZOO_ID_PATTERN },
  force_away_on_reject: { type: 'boolean' },
  hold_treatment: { type: 'string', minLength: 1, maxLength: 2048 },
  service_level_seconds: { type: 'integer', minimum: 1, maximum: 3600 },
  ui_metadata: { type: 'object' },
} as const;

/** `data` of a write, before normalisation (unknown KAZOO fields pass through). */
export const queueWriteDataSchema = {
  type: 'object',
  properties: queueFieldProperties,
};

/**
 * Fields a client may not write: `id` / `account_id` (dropped first when they echo this queue /
 * account, as a client resending what it read does) and KAZOO's private `pvt_*`. Checked here, not
 * with a `not` schema, whose errors carry no field for the Crossbar details.
 */
function readOnlyDetails(input: Record<string, unknown>, details: ValidationDetails): void {
  for (const [k, v] of Object.entries(input)) {
    if (k !== 'id' && k !== 'account_id' && !k.startsWith('pvt_')) continue;
    details[k] = { read_only: { message: 'Field is read-only', ...(isScalar(v) ? { cause: v } : {}) } };
  }
}
const checkWriteData = ajv.compile(queueWriteDataSchema);

export interface QueueWriteIds {
  /** The queue being written (update/patch): an `id` equal to it is dropped, any other refused. */
  queue_id?: string;
  /** The account of the request: an `account_id` equal to it is dropped, any other refused. */
  account_id?: string;
}

/**
 * One write's `data` → the document's fields with current names and defaults, or Crossbar details
 * (`data.<field>.<rule>.{message, cause}`): every bad field at once, plus
 * - `<older name>.conflict` when an older and a current name are both given with different values,
 * - `name.required` when neither `name` nor `queue_name` is given,
 * - `timeout_redirect.not_self` when a queue would overflow into itself,
 * - `<field>.read_only` for `id`, `account_id` (unless they echo this queue / account) and `pvt_*`.
 */
export function normaliseQueueWrite(data: unknown, ids: QueueWriteIds = {}): Validation<QueueFields & Record<string, unknown>> {
  const input = dropEchoedIds(data, ids);
  const details: ValidationDetails = {};
  if (!checkWriteData(input)) Object.assign(details, toCrossbarDetails(checkWriteData.errors ?? []));
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, details };
  readOnlyDetails(input as Record<string, unknown>, details);
  const mapped = mapAliases(input as Record<string, unknown>, details);
  if (mapped['name'] === undefined && details['name'] === undefined && details['queue_name'] === undefined) {
    details['name'] = { required: { message: 'Field is required but missing' } };
  }
  if (ids.queue_id !== undefined && mapped['timeout_redirect'] === ids.queue_id) {
    details['timeout_redirect'] = {
      ...details['timeout_redirect'],
      not_self: { message: 'A queue cannot overflow into itself', cause: ids.queue_id },
    };
  }
  if (Object.keys(details).length) return { ok: false, details };
  return { ok: true, value: withDefaults(mapped) };
}

const checkEnvelope = ajv.compile(requestEnvelopeSchema({ type: 'object' }));

/** A whole create/update body (`{"data": {...}}`, KAZOO's extras beside it): the envelope, then `data` normalised. */
export function validateQueueWriteBody(body: unknown, ids: QueueWriteIds = {}): Validation<RequestEnvelope<QueueFields & Record<string, unknown>>> {
  if (!checkEnvelope(body)) return { ok: false, details: toCrossbarDetails(checkEnvelope.errors ?? []) };
  const data = normaliseQueueWrite((body as { data: unknown }).data, ids);
  return data.ok ? { ok: true, value: { ...(body as RequestEnvelope<unknown>), data: data.value } } : data;
}

/** A whole PATCH body against the stored document. */
export function validateQueuePatchBody(stored: QueueFields & Record<string, unknown>, body: unknown, ids: QueueWriteIds = {}): Validation<RequestEnvelope<QueueFields & Record<string, unknown>>> {
  if (!checkEnvelope(body)) return { ok: false, details: toCrossbarDetails(checkEnvelope.errors ?? []) };
  const data = patchQueueDoc(stored, (body as { data: unknown }).data, ids);
  return data.ok ? { ok: true, value: { ...(body as RequestEnvelope<unknown>), data: data.value } } : data;
}

/**
 * A PATCH: the given fields (older names accepted) replace the stored ones, `null` clears an
 * optional field, then the whole result is validated as a write (so a patch cannot leave an
 * invalid document behind).
 */
export function patchQueueDoc(stored: QueueFields & Record<string, unknown>, patch: unknown, ids: QueueWriteIds = {}): Validation<QueueFields & Record<string, unknown>> {
  const input = dropEchoedIds(patch, ids);
  const details: ValidationDetails = {};
  if (!checkWriteData(input)) Object.assign(details, toCrossbarDetails(checkWriteData.errors ?? []));
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, details };
  if (Object.keys(input).length === 0) details['data'] = { minProperties: { message: 'A patch must change at least one field', target: 1 } };
  readOnlyDetails(input as Record<string, unknown>, details);
  const mapped = mapAliases(input as Record<string, unknown>, details);
  if (Object.keys(details).length) return { ok: false, details };
  const merged: Record<string, unknown> = { ...stored, ...mapped };
  for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
  return normaliseQueueWrite(merged, ids);
}

/** The routing settings of a document (what the queue process needs), for the machine's state. */
export type QueueRoutingSettings = Omit<QueueFields, 'name' | 'queue_type' | 'hold_treatment'>;
export function routingSettingsOf(doc: QueueFields): QueueRoutingSettings {
  const settings: QueueRoutingSettings = {
    queue_router: doc.queue_router,
    ring_timeout: doc.ring_timeout,
    agent_wrapup_time: doc.agent_wrapup_time,
    timeout: doc.timeout,
    tick_time: doc.tick_time,
    timeout_if_size_exceeds: doc.timeout_if_size_exceeds,
    timeout_immediately_if_empty: doc.timeout_immediately_if_empty,
    force_away_on_reject: doc.force_away_on_reject,
    service_level_seconds: doc.service_level_seconds,
  };
  if (doc.timeout_redirect !== undefined) settings.timeout_redirect = doc.timeout_redirect;
  return settings;
}

/** The schema of a normalised queue document as the API answers it. */
export const queueDocSchema = {
  type: 'object',
  required: ['id', 'name', 'queue_type', 'queue_router', 'ring_timeout', 'agent_wrapup_time', 'timeout', 'tick_time', 'timeout_if_size_exceeds', 'timeout_immediately_if_empty', 'force_away_on_reject', 'service_level_seconds'],
  properties: {
    id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    name: nameSchema,
    queue_type: queueFieldProperties.queue_type,
    queue_router: queueFieldProperties.queue_router,
    ring_timeout: ringTimeoutSchema,
    agent_wrapup_time: queueFieldProperties.agent_wrapup_time,
    timeout: timeoutSchema,
    tick_time: queueFieldProperties.tick_time,
    timeout_if_size_exceeds: queueFieldProperties.timeout_if_size_exceeds,
    timeout_immediately_if_empty: { type: 'boolean' },
    timeout_redirect: { type: 'string', pattern: KAZOO_ID_PATTERN },
    force_away_on_reject: { type: 'boolean' },
    hold_treatment: queueFieldProperties.hold_treatment,
    service_level_seconds: queueFieldProperties.service_level_seconds,
    // an answer never carries an older name
    queue_name: { not: {} },
    agent_connect_timeout: { not: {} },
    queue_timeout: { not: {} },
  },
};

function dropEchoedIds(data: unknown, ids: QueueWriteIds): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  delete out['ui_metadata'];
  if (ids.queue_id !== undefined && out['id'] === ids.queue_id) delete out['id'];
  if (ids.account_id !== undefined && out['account_id'] === ids.account_id) delete out['account_id'];
  return out;
}

/** Older names → current ones; a pair that disagrees is a `conflict` detail on the older name. */
function mapAliases(input: Record<string, unknown>, details: ValidationDetails): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const [old, current] of Object.entries(QUEUE_FIELD_ALIASES)) {
    if (!(old in out)) continue;
    const oldValue = out[old];
    delete out[old];
    if (current in out && out[current] !== oldValue) {
      details[old] = {
        ...details[old],
        conflict: {
          message: `${old} is the older name of ${current} and differs from it: give one of them (documents are answered with ${current})`,
          ...(isScalar(oldValue) ? { cause: oldValue } : {}),
          target: current,
        },
      };
      continue;
    }
    out[current] = oldValue;
  }
  return out;
}

const isScalar = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');

/** Current names first in a stable order, defaults filled in, pass-through fields after. */
function withDefaults(mapped: Record<string, unknown>): QueueFields & Record<string, unknown> {
  const known: Record<string, unknown> = {
    name: mapped['name'],
    queue_type: mapped['queue_type'] ?? QUEUE_DEFAULTS.queue_type,
    queue_router: mapped['queue_router'] ?? QUEUE_DEFAULTS.queue_router,
    ring_timeout: mapped['ring_timeout'] ?? QUEUE_DEFAULTS.ring_timeout,
    agent_wrapup_time: mapped['agent_wrapup_time'] ?? QUEUE_DEFAULTS.agent_wrapup_time,
    timeout: mapped['timeout'] ?? QUEUE_DEFAULTS.timeout,
    tick_time: mapped['tick_time'] ?? QUEUE_DEFAULTS.tick_time,
    timeout_if_size_exceeds: mapped['timeout_if_size_exceeds'] ?? QUEUE_DEFAULTS.timeout_if_size_exceeds,
    timeout_immediately_if_empty: mapped['timeout_immediately_if_empty'] ?? QUEUE_DEFAULTS.timeout_immediately_if_empty,
    force_away_on_reject: mapped['force_away_on_reject'] ?? QUEUE_DEFAULTS.force_away_on_reject,
    service_level_seconds: mapped['service_level_seconds'] ?? QUEUE_DEFAULTS.service_level_seconds,
  };
  if (typeof mapped['timeout_redirect'] === 'string') known['timeout_redirect'] = mapped['timeout_redirect'];
  if (mapped['hold_treatment'] !== undefined) known['hold_treatment'] = mapped['hold_treatment'];
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mapped)) if (!(k in queueFieldProperties) && !(k in known)) extra[k] = v;
  return { ...known, ...extra } as QueueFields & Record<string, unknown>;
}
