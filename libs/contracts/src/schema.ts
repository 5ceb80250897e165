import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationDetails } from './errors.js';

/**
 * One ajv instance for every contract. `allErrors` so a client sees every bad field
 * at once; `useDefaults` is off because a refused request must change nothing and a
 * validated message must be exactly what was sent.
 */
export const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true, verbose: true });

/**
 * `secret: true` on a property schema marks its value as a secret (a password, md5 credentials,
 * an api key, a token): a validation error about it never echoes the value as `cause`, wherever
 * the schema is used (HTTP, websocket, bus). An annotation: it validates nothing.
 */
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });

/**
 * At most this many `data.<field>.<rule>` details in one error: the rest are counted in
 * `data._truncated.max_details` (so that 0.8 MB of bad ids answer a few KB, not 40 MB).
 */
export const MAX_VALIDATION_DETAILS = 20;
/** The field that counts the details left out. */
export const TRUNCATED_DETAILS_FIELD = '_truncated';
/** A string `cause` longer than this is left out (the rule and its `target` say what is wrong). */
export const MAX_CAUSE_LENGTH = 256;

export type Validation<T> = { ok: true; value: T } | { ok: false; details: ValidationDetails };

export interface Validator<T> {
  (value: unknown): Validation<T>;
  readonly schema: object;
}

/**
 * The schema of a union of messages told apart by `type`, from each type's own schema: `type`
 * must be one of them, and a message of a type is checked by that type's schema (one if/then per
 * type). Every message family (shard commands, directory requests, queue messages, auth notices)
 * is built by it, with unionValidator below.
 */
export interface UnionSchema<K extends string> {
  type: 'object';
  required: ['type'];
  properties: { type: { enum: K[] } };
  allOf: object[];
}
export function unionSchemaOf<K extends string>(schemas: Record<K, object>): UnionSchema<K> {
  const types = Object.keys(schemas) as K[];
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: types } },
    allOf: types.map((t) => ({ if: { properties: { type: { const: t } }, required: ['type'] }, then: schemas[t] })),
  };
}

/**
 * The validator of a union of messages told apart by `type` (`schema`: `allOf` of one if/then per
 * type): a message of a known type is checked by its own type's schema alone, anything else by
 * `schema` (same verdict and details; an unknown or missing type is reported as such). Why: with
 * allErrors, the union checks every type's `if` and pays for each failed one, 10+ µs a message,
 * against ~1 µs for one type's schema, on the path of every command.
 */
export function unionValidator<T>(schema: object, schemas: Record<string, object>): Validator<T> {
  const whole = validator<T>(schema);
  const byType = new Map(Object.entries(schemas).map(([type, s]) => [type, validator<T>(s)]));
  const validate = (value: unknown): Validation<T> => {
    const type = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
    return ((typeof type === 'string' ? byType.get(type) : undefined) ?? whole)(value);
  };
  return Object.assign(validate, { schema });
}

/** Compile a schema once; the returned function validates and converts ajv errors to Crossbar details. */
export function validator<T>(schema: object): Validator<T> {
  const fn: ValidateFunction = ajv.compile(schema);
  const validate = (value: unknown): Validation<T> =>
    fn(value) ? { ok: true, value: value as T } : { ok: false, details: toCrossbarDetails(fn.errors ?? []) };
  return Object.assign(validate, { schema });
}

const RULE_NAMES: Record<string, string> = {
  required: 'required',
  type: 'type',
  enum: 'enum',
  const: 'enum',
  pattern: 'pattern',
  minLength: 'minLength',
  maxLength: 'maxLength',
  minimum: 'minimum',
  maximum: 'maximum',
  minItems: 'minItems',
  maxItems: 'maxItems',
  minProperties: 'minProperties',
  maxProperties: 'maxProperties',
  uniqueItems: 'uniqueItems',
  additionalProperties: 'additionalProperties',
  format: 'format',
};

/**
 * ajv error → data.<field>.<rule>.{message, cause}. The field is the dotted path
 * below the body's `data` (Crossbar reports "action", "queue_id", "stats.total_calls").
 *
 * Field names come from the input's keys, so every object here has a null prototype: no key
 * (`__proto__` included) can reach Object.prototype. At most MAX_VALIDATION_DETAILS entries;
 * no `cause` for a `secret` field or a string longer than MAX_CAUSE_LENGTH.
 */
export function toCrossbarDetails(errors: ErrorObject[]): ValidationDetails {
  const details: ValidationDetails = Object.create(null) as ValidationDetails;
  let kept = 0;
  const left = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'not') continue;
    const field = fieldOf(e);
    const rule = RULE_NAMES[e.keyword] ?? e.keyword;
    const rules = details[field];
    if (rules !== undefined && rule in rules) continue;
    if (kept >= MAX_VALIDATION_DETAILS) {
      left.add(`${field}\u0000${rule}`); // counted once per field and rule, as those kept
      continue;
    }
    const entry: { message: string; cause?: unknown; target?: unknown } = { message: messageOf(e) };
    if (showsCause(e)) entry.cause = e.data;
    const target = targetOf(e);
    if (target !== undefined) entry.target = target;
    (rules ?? (details[field] = Object.create(null) as ValidationDetails[string]))[rule] = entry;
    kept++;
  }
  if (kept === 0) details['data'] = { type: { message: 'Invalid data' } };
  if (left.size > 0) {
    details[TRUNCATED_DETAILS_FIELD] = {
      max_details: { message: `${left.size} more validation errors not shown`, cause: left.size, target: MAX_VALIDATION_DETAILS },
    };
  }
  return details;
}

function fieldOf(e: ErrorObject): string {
  let path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') path = [...path, String((e.params as { missingProperty: string }).missingProperty)];
  if (e.keyword === 'additionalProperties') path = [...path, String((e.params as { additionalProperty: string }).additionalProperty)];
  if (path[0] === 'data') path = path.slice(1);
  return path.length ? path.join('.') : 'data';
}

/** The input value is echoed for scalars only, never for a secret field, never when long. */
function showsCause(e: ErrorObject): boolean {
  if (e.keyword === 'required' || e.data === undefined) return false;
  if (typeof e.data === 'object' && e.data !== null) return false;
  if (typeof e.data === 'string' && e.data.length > MAX_CAUSE_LENGTH) return false;
  return (e.parentSchema as { secret?: unknown } | undefined)?.secret !== true;
}

/** One line per field ("field: message, message"), for logs and the websocket's `errors`. */
export function detailLines(details: ValidationDetails): string[] {
  return Object.entries(details).map(([field, rules]) => `${field}: ${Object.values(rules).map((r) => r.message).join(', ')}`);
}

function targetOf(e: ErrorObject): unknown {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return p['allowedValues'];
    case 'const':
      return [p['allowedValue']];
    case 'type':
      return p['type'];
    case 'pattern':
      return p['pattern'];
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return p['limit'];
    default:
      return undefined;
  }
}

function messageOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'Field is required but missing';
    case 'type':
      return `Value is not of type ${String(p['type'])}`;
    case 'enum':
      return `Value not found in enumerated list of values: ${(p['allowedValues'] as unknown[]).join(', ')}`;
    case 'const':
      return `Value must be ${JSON.stringify(p['allowedValue'])}`;
    case 'pattern':
      return `Failed to match pattern '${String(p['pattern'])}'`;
    case 'minLength':
      return `String must be at least ${String(p['limit'])} characters`;
    case 'maxLength':
      return `String must not be more than ${String(p['limit'])} characters`;
    case 'minimum':
      return `Value must be at least ${String(p['limit'])}`;
    case 'maximum':
      return `Value must be at most ${String(p['limit'])}`;
    case 'minItems':
      return `The list must have at least ${String(p['limit'])} items`;
    case 'maxItems':
      return `The list is more than ${String(p['limit'])} items`;
    case 'minProperties':
      return `The object must have at least ${String(p['limit'])} keys`;
    case 'maxProperties':
      return `The object has more than ${String(p['limit'])} keys`;
    case 'uniqueItems':
      return 'List items must be unique';
    case 'additionalProperties':
      return 'Field is not allowed';
    default:
      return e.message ?? 'Invalid value';
  }
}
