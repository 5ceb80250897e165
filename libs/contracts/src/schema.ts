import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationDetails } from './errors.js';

/**
 * One ajv instance for every contract. `allErrors` so a client sees every bad field
 * at once; `useDefaults` is off because a refused request must change nothing and a
 * validated message must be exactly what was sent.
 */
export const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true, verbose: true });

export type Validation<T> = { ok: true; value: T } | { ok: false; details: ValidationDetails };

export interface Validator<T> {
  (value: unknown): Validation<T>;
  readonly schema: object;
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
  uniqueItems: 'uniqueItems',
  additionalProperties: 'additionalProperties',
  format: 'format',
};

/**
 * ajv error → data.<field>.<rule>.{message, cause}. The field is the dotted path
 * below the body's `data` (Crossbar reports "action", "queue_id", "stats.total_calls").
 */
export function toCrossbarDetails(errors: ErrorObject[]): ValidationDetails {
  const details: ValidationDetails = {};
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'not') continue;
    let path = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path = [...path, String((e.params as { missingProperty: string }).missingProperty)];
    if (e.keyword === 'additionalProperties') path = [...path, String((e.params as { additionalProperty: string }).additionalProperty)];
    if (path[0] === 'data') path = path.slice(1);
    const field = path.length ? path.join('.') : 'data';
    const rule = RULE_NAMES[e.keyword] ?? e.keyword;
    const entry: { message: string; cause?: unknown; target?: unknown } = { message: messageOf(e) };
    if (e.keyword !== 'required' && e.data !== undefined && (typeof e.data !== 'object' || e.data === null)) entry.cause = e.data;
    const target = targetOf(e);
    if (target !== undefined) entry.target = target;
    (details[field] ??= {})[rule] ??= entry;
  }
  if (Object.keys(details).length === 0) details['data'] = { type: { message: 'Invalid data' } };
  return details;
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
    case 'uniqueItems':
      return 'List items must be unique';
    case 'additionalProperties':
      return 'Field is not allowed';
    default:
      return e.message ?? 'Invalid value';
  }
}
