/** The contracts' validators and a walk over their schemas, for rules that must hold in every schema. */
import * as contracts from '@qubicle/contracts';
import type { Validator } from '@qubicle/contracts';

/** Every validator the contracts export, by name. */
export const VALIDATORS = Object.entries(contracts).filter(
  (e): e is [string, Validator<unknown>] => typeof e[1] === 'function' && e[0].startsWith('validate') && typeof (e[1] as { schema?: unknown }).schema === 'object',
);

/** Calls `visit` on every (sub)schema object of `schema`, with its path. */
export function walkSchema(schema: unknown, visit: (s: Record<string, unknown>, path: string) => void, path = '#'): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const s = schema as Record<string, unknown>;
  visit(s, path);
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'propertyNames', 'contains']) walkSchema(s[key], visit, `${path}/${key}`);
  for (const key of ['allOf', 'anyOf', 'oneOf']) for (const [i, sub] of ((s[key] as unknown[]) ?? []).entries()) walkSchema(sub, visit, `${path}/${key}/${i}`);
  for (const key of ['properties', 'patternProperties', 'dependencies']) {
    for (const [name, sub] of Object.entries((s[key] as Record<string, unknown>) ?? {})) walkSchema(sub, visit, `${path}/${key}/${name}`);
  }
}

