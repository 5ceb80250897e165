import { validator, type Validation, type Validator } from '../schema.js';

/**
 * Replies are validated on receipt (libs/client): each message type has a reply schema (in the
 * message's file); these compile them, one validator per distinct schema.
 */
/** One validator per distinct schema (many messages share the status schema). */
export function replyValidators<K extends string>(schemas: Record<K, object>): Map<string, Validator<unknown>> {
  const bySchema = new Map<object, Validator<unknown>>();
  const out = new Map<string, Validator<unknown>>();
  for (const [type, schema] of Object.entries(schemas) as Array<[K, object]>) {
    let v = bySchema.get(schema);
    if (!v) bySchema.set(schema, (v = validator<unknown>(schema)));
    out.set(type, v);
  }
  return out;
}

/** `data` checked by the validator of `type`; an unknown type is a failed validation, not a throw. */
export function validateReplyOf(validators: Map<string, Validator<unknown>>, type: string, data: unknown): Validation<unknown> {
  const v = validators.get(type);
  if (!v) return { ok: false, details: { type: { enum: { message: `no reply schema for message type ${JSON.stringify(type).slice(0, 80)}` } } } };
  return v(data);
}
