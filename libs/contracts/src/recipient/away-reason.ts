import { validator } from '../schema.js';

/**
 * Away reasons: a per-account catalogue (`/v2/accounts/{A}/qubicle_away_reasons`, kept in the
 * account document's `qubicle.away_reasons`) of why a recipient may be Away. The worker checks a
 * `set_status away` reason against it (HTTP and bus alike) and applies each reason's maximum
 * duration. `missed_calls` (the missed-call policy's reason) is built into every catalogue.
 */

/** What happens when a reason's max_duration_seconds is reached: back to Ready, or stay Away and raise `away_alert`. */
export const AWAY_ON_MAX = ['ready', 'alert'] as const;
export type AwayOnMax = (typeof AWAY_ON_MAX)[number];

export const AWAY_REASON_NAME_PATTERN = '^[a-z0-9_]{1,32}$';
/** Longest break or maximum duration a reason or a timed break may have: one day. */
export const MAX_AWAY_SECONDS = 86_400;
/** Most entries an account's catalogue may hold (the worker keeps every account's catalogue in memory). */
export const MAX_AWAY_REASONS = 100;

export interface AwayReason {
  /** The id: what `set_status` names. */
  name: string;
  label: string;
  /** Counts as productive (working) time in reports. */
  productive: boolean;
  max_duration_seconds?: number;
  /** Required with max_duration_seconds. */
  on_max?: AwayOnMax;
}

/** The reason the missed-call policy sends a recipient Away with: an entry of every catalogue, not editable. */
export const MISSED_CALLS_REASON: Readonly<AwayReason> = Object.freeze({ name: 'missed_calls', label: 'Missed calls', productive: false });

/** The writable fields of an entry (the body of create / update; patch takes any of them). */
export const awayReasonFieldsSchema = {
  label: { type: 'string', minLength: 1, maxLength: 128 },
  productive: { type: 'boolean' },
  max_duration_seconds: { type: 'integer', minimum: 1, maximum: MAX_AWAY_SECONDS },
  on_max: { enum: [...AWAY_ON_MAX] },
} as const;

export const awayReasonSchema = {
  type: 'object',
  required: ['name', 'label', 'productive'],
  properties: { name: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN }, ...awayReasonFieldsSchema },
  additionalProperties: false,
  // a maximum needs to say what happens at it, and on_max alone means nothing
  dependencies: { max_duration_seconds: ['on_max'], on_max: ['max_duration_seconds'] },
};

/** An account's catalogue as the worker uses it: name → entry, the built-in ones included. */
export type AwayCatalogue = ReadonlyMap<string, Readonly<AwayReason>>;

/** The catalogue of an account document's entries (`qubicle.away_reasons`), with the built-in ones. */
export function awayCatalogueOf(entries: readonly AwayReason[] | undefined): AwayCatalogue {
  const map = new Map<string, Readonly<AwayReason>>();
  map.set(MISSED_CALLS_REASON.name, MISSED_CALLS_REASON);
  for (const e of entries ?? []) if (e.name !== MISSED_CALLS_REASON.name) map.set(e.name, e);
  return map;
}

/** The catalogue as the API lists it: built-in first, then by name. */
export function awayReasonList(entries: readonly AwayReason[] | undefined): AwayReason[] {
  const own = (entries ?? []).filter((e) => e.name !== MISSED_CALLS_REASON.name).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [{ ...MISSED_CALLS_REASON }, ...own];
}

/**
 * The one rule of the away fields wherever a status is set (the HTTP body, the bulk set, the bus
 * command): `reason` and `duration_seconds` go with `away` only, and a timed break is global (a
 * per-queue flag has no timer).
 */
export const awayOnlyRule = {
  allOf: [
    { if: { required: ['reason'] }, then: { properties: { status: { const: 'away' } } } },
    { if: { required: ['duration_seconds'] }, then: { properties: { status: { const: 'away' }, queue_id: false } } },
  ],
} as const;

/** Checks one catalogue entry (what the directory stores: a merge of a patch must still be one). */
export const validateAwayReason = validator<AwayReason>(awayReasonSchema);
