/**
 * A contract's JSON Schema as a markdown field table, for docs/bus.md (scripts/lib/bus-docs.ts).
 * Only the keywords the contracts use are read; anything else is shown as `(see schema)` rather
 * than silently left out, so a new keyword shows up in the generated text instead of vanishing.
 */
import { KAZOO_ID_PATTERN } from '@qubicle/contracts';

type Schema = Record<string, unknown>;

/** A schema shared by several messages: rendered once, linked from each field that embeds it. */
export interface NamedSchema {
  name: string;
  anchor: string;
  schema: object;
}

export interface FieldRow {
  field: string;
  type: string;
  required: boolean;
  rules: string;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const json = (v: unknown) => code(JSON.stringify(v));
export const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The type column: JSON type, an enum, a const, or alternatives. */
function typeOf(s: Schema, named: readonly NamedSchema[]): string {
  const shared = named.find((n) => n.schema === s);
  if (shared) return `[${shared.name}](#${shared.anchor})`;
  if ('const' in s) return json(s['const']);
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => json(v)).join(' | ');
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = s[k];
    if (Array.isArray(alts)) return alts.map((a) => (isSchema(a) ? typeOf(a, named) : '?')).join(' or ');
  }
  if ('not' in s && isSchema(s['not']) && Object.keys(s['not']).length === 0) return 'never (refused)';
  const t = s['type'];
  const base = Array.isArray(t) ? t.join(' | ') : typeof t === 'string' ? t : '';
  if (base === 'array' && isSchema(s['items'])) {
    const items = s['items'];
    const inner = typeOf(items, named);
    return items['type'] === 'object' && !named.some((n) => n.schema === items) ? 'array of object' : `array of ${inner}`;
  }
  if (base === '' && isSchema(s['properties'])) return 'object';
  return base || 'any';
}

/** The rules column: bounds, patterns, formats. */
function rulesOf(s: Schema): string {
  const out: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (min !== undefined && max !== undefined) out.push(`${unit}${String(min)}..${String(max)}`);
    else if (min !== undefined) out.push(`${unit}≥ ${String(min)}`);
    else if (max !== undefined) out.push(`${unit}≤ ${String(max)}`);
  };
  range(s['minimum'], s['maximum'], '');
  range(s['minLength'], s['maxLength'], 'length ');
  range(s['minItems'], s['maxItems'], 'items ');
  range(s['minProperties'], s['maxProperties'], 'keys ');
  if (s['uniqueItems'] === true) out.push('unique items');
  if (typeof s['pattern'] === 'string') out.push(s['pattern'] === KAZOO_ID_PATTERN ? 'KAZOO id (32 lowercase hex)' : `pattern ${code(s['pattern'])}`);
  if (typeof s['format'] === 'string') out.push(`format ${s['format']}`);
  const items = s['items'];
  if (isSchema(items) && !isSchema(items['properties'])) {
    const each = rulesOf(items);
    if (each) out.push(`each: ${each}`);
  }
  if (s['secret'] === true) out.push('secret: never echoed in errors or logs');
  const names = s['propertyNames'];
  if (isSchema(names) && typeof names['pattern'] === 'string') {
    out.push(names['pattern'] === KAZOO_ID_PATTERN ? 'keys: KAZOO ids' : `keys match ${code(names['pattern'])}`);
  }
  return out.join('; ');
}

/** Object-level conditions (`if`/`then`/`else`) in words: "when `ok` is true: requires `data`". */
export function conditionsOf(s: Schema): string[] {
  const out: string[] = [];
  const one = (c: Schema): void => {
    const cond = isSchema(c['if']) ? whenText(c['if']) : undefined;
    if (cond === undefined) return;
    const then = isSchema(c['then']) ? effectText(c['then']) : '';
    const otherwise = isSchema(c['else']) ? effectText(c['else']) : '';
    if (then) out.push(`when ${cond}: ${then}`);
    if (otherwise) out.push(`otherwise: ${otherwise}`);
  };
  one(s);
  if (Array.isArray(s['allOf'])) for (const c of s['allOf']) if (isSchema(c)) one(c);
  if (Array.isArray(s['anyOf']) && s['anyOf'].every((a) => isSchema(a) && Array.isArray(a['required']) && Object.keys(a).length === 1)) {
    out.push(`at least one of ${(s['anyOf'] as Schema[]).map((a) => (a['required'] as string[]).map(code).join(' + ')).join(', ')}`);
  }
  return out;
}

function whenText(c: Schema): string | undefined {
  const props = c['properties'];
  if (!isSchema(props)) return undefined;
  const parts = Object.entries(props).map(([k, v]) => (isSchema(v) && 'const' in v ? `${code(k)} is ${json(v['const'])}` : `${code(k)} matches`));
  return parts.join(' and ') || undefined;
}

function effectText(c: Schema): string {
  const parts: string[] = [];
  if (Array.isArray(c['required']) && c['required'].length) parts.push(`requires ${(c['required'] as string[]).map(code).join(', ')}`);
  if (isSchema(c['properties'])) {
    for (const [k, v] of Object.entries(c['properties'])) if (isSchema(v) && 'const' in v) parts.push(`${code(k)} must be ${json(v['const'])}`);
  }
  if (typeof c['maxProperties'] === 'number') parts.push(`at most ${c['maxProperties']} fields`);
  if (parts.length === 0 && Object.keys(c).length > 0) parts.push('the schema of that type (see its section)');
  return parts.join(', ');
}

/**
 * Every field of an object schema, depth first: `a.b` for nested objects, `a[]` for array items,
 * `a.{key}` for the values of a map. A shared (named) schema is not expanded: its row links to it.
 */
export function fieldRows(schema: object, named: readonly NamedSchema[] = [], prefix = ''): FieldRow[] {
  const s = schema as Schema;
  const rows: FieldRow[] = [];
  const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
  const visit = (field: string, sub: Schema, isRequired: boolean) => {
    rows.push({ field, type: typeOf(sub, named), required: isRequired, rules: rulesOf(sub) });
    if (named.some((n) => n.schema === sub)) return;
    const conds = conditionsOf(sub);
    if (conds.length) rows[rows.length - 1]!.rules = [rows[rows.length - 1]!.rules, ...conds].filter(Boolean).join('; ');
    if (isSchema(sub['properties']) || isSchema(sub['additionalProperties']) || isSchema(sub['patternProperties'])) {
      rows.push(...fieldRows(sub, named, field));
    } else if (isSchema(sub['items'])) {
      const items = sub['items'];
      if (!named.some((n) => n.schema === items) && (isSchema(items['properties']) || isSchema(items['additionalProperties']))) {
        rows.push(...fieldRows(items, named, `${field}[]`));
      }
    } else {
      for (const k of ['anyOf', 'oneOf'] as const) {
        const alts = sub[k];
        if (!Array.isArray(alts)) continue;
        for (const a of alts) if (isSchema(a) && isSchema(a['properties']) && !named.some((n) => n.schema === a)) rows.push(...fieldRows(a, named, field));
      }
    }
  };
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (isSchema(s['properties'])) {
    for (const [key, sub] of Object.entries(s['properties'])) if (isSchema(sub)) visit(at(key), sub, required.has(key));
  }
  if (isSchema(s['patternProperties'])) {
    for (const [pattern, sub] of Object.entries(s['patternProperties'])) {
      if (isSchema(sub)) visit(at(pattern === KAZOO_ID_PATTERN ? '{KAZOO id}' : `{key matching ${pattern}}`), sub, false);
    }
  }
  if (isSchema(s['additionalProperties'])) visit(at('{key}'), s['additionalProperties'], false);
  return rows;
}

/** Are fields other than the listed ones refused? */
export function isClosed(schema: object): boolean {
  return (schema as Schema)['additionalProperties'] === false;
}

/** The markdown table of a schema: one row per field (or one row for a schema that is not an object). */
export function schemaTable(schema: object, named: readonly NamedSchema[] = []): string {
  const s = schema as Schema;
  const rows = fieldRows(schema, named);
  const head = ['| field | type | required | rules |', '|---|---|---|---|'];
  if (rows.length === 0) {
    return [...head, `| (the whole value) | ${cell(typeOf(s, named))} | yes | ${cell(rulesOf(s))} |`].join('\n');
  }
  const lines = rows.map((r) => `| ${code(r.field)} | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.rules)} |`);
  return [...head, ...lines].join('\n');
}

/** The notes under a table: closed or open object, and object-level conditions. */
export function schemaNotes(schema: object): string[] {
  const s = schema as Schema;
  if (!isSchema(s['properties']) && !isSchema(s['additionalProperties']) && !isSchema(s['patternProperties'])) return [];
  const notes = conditionsOf(s).map((c) => `${c.charAt(0).toUpperCase()}${c.slice(1)}.`);
  const own = rulesOf(s);
  if (own) notes.unshift(`The object: ${own}.`);
  if (isClosed(schema)) notes.push('Any other field is refused.');
  else if (s['additionalProperties'] === undefined && isSchema(s['properties'])) notes.push('Other fields are accepted.');
  return notes;
}
