/**
 * Hostile JSON texts made from a VALID template (one per route / message type), each carrying at
 * least one poison that must be refused — so that a fuzz case may assert "refused, nothing
 * changed" for any target, and a case that gets through is a finding, not noise:
 *
 * - `proto`: a `__proto__`, `constructor` or `prototype` key added to any object of the template
 *   (spelled plainly or with `\u` escapes), with any value;
 * - `deep`: any field replaced by arrays/objects nested past the surface's depth limit;
 * - `wrong_type`: any field replaced by a value of another JSON type (templates hold only typed fields);
 * - `huge`: any field replaced by a list of 1,001–2,500 strings (over every list cap; a string list
 *   is also the wrong type for every field that is not one).
 *
 * On top, any case may have every other string replaced by arbitrary unicode (lone surrogates
 * included), and the poisoned field written twice in the raw text: first its valid value, then the
 * poisoned one (JSON's last key wins: the poison is what is used).
 *
 * The parameters are what fast-check generates and shrinks; `hostileText` applies them.
 */
import fc from 'fast-check';
import { FORBIDDEN_JSON_KEYS } from '@qubicle/contracts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;
export const POISONS = ['proto', 'deep', 'wrong_type', 'huge'] as const;
export type Poison = (typeof POISONS)[number];

export interface HostileParams {
  poison: Poison;
  /** which path of the template (modulo their number) */
  at: number;
  /** proto: which key and spelling */
  key: number;
  spelling: number;
  /** deep: levels past the limit */
  extraDepth: number;
  /** wrong_type: which other type */
  type: number;
  /** huge: how many items */
  items: number;
  /** strings that replace every other string of the template (empty = none replaced) */
  unicode: string[];
  /** write the poisoned key twice (valid value first) */
  duplicate: boolean;
}

export const hostileParams: fc.Arbitrary<HostileParams> = fc.record({
  poison: fc.constantFrom(...POISONS),
  at: fc.nat(),
  key: fc.nat(),
  spelling: fc.nat(),
  extraDepth: fc.integer({ min: 1, max: 2_000 }),
  type: fc.nat(),
  items: fc.integer({ min: 1_001, max: 2_500 }),
  unicode: fc.oneof(fc.constant<string[]>([]), fc.array(fc.string({ unit: 'binary', minLength: 0, maxLength: 24 }), { minLength: 1, maxLength: 8 })),
  duplicate: fc.boolean(),
});

/** Raw spellings of a key in JSON text: plain, or with some characters as \u escapes. */
function spell(key: string, n: number): string {
  const variants = [JSON.stringify(key), `"${[...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`, `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`];
  return variants[n % variants.length]!;
}

/** Every path of a value: objects (the root included) and every field below. */
function pathsOf(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

function at(value: Json, path: Path): Json {
  let v: Json = value;
  for (const p of path) v = (v as Record<string | number, Json>)[p]!;
  return v;
}

function typeOf(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** A value of another JSON type than `v`. */
function otherType(v: Json, n: number): Json {
  const all: Json[] = [null, true, 0, -1.5, 1e21, '', 'x', [], [1, 'a'], {}, { a: 1 }];
  const candidates = all.filter((c) => typeOf(c) !== typeOf(v));
  return candidates[n % candidates.length]!;
}

/** Arrays and objects, alternating, `depth` levels. */
function nested(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
  return v;
}

const PLACEHOLDER = '\u0001forbidden\u0001';
const DUPLICATE = '\u0001duplicate\u0001';

export interface HostileCase {
  text: string;
  poison: Poison;
  path: Path;
}

/**
 * The template with its poison, as raw JSON text. `maxDepth`: the depth limit of the surface the
 * text is for (the deep poison goes past it wherever it lands).
 */
export function hostileText(template: Json, p: HostileParams, maxDepth: number): HostileCase {
  const value = structuredClone(template);
  const all = pathsOf(value);
  let path: Path;
  if (p.poison === 'proto') {
    const objects = all.filter((q) => typeOf(at(value, q)) === 'object');
    path = objects[p.at % objects.length]!;
  } else {
    const fields = all.filter((q) => q.length > 0);
    path = fields[p.at % fields.length]!;
  }

  // unicode in every other string (not on the poisoned path: the poison stays what it is)
  if (p.unicode.length > 0) {
    let i = 0;
    for (const q of all) {
      const isPrefix = q.length <= path.length && q.every((x, k) => path[k] === x);
      const onPath = isPrefix || (q.length > path.length && path.every((x, k) => q[k] === x));
      if (onPath || q.length === 0 || typeof at(value, q) !== 'string') continue;
      (at(value, q.slice(0, -1)) as Record<string | number, Json>)[q[q.length - 1]!] = p.unicode[i++ % p.unicode.length]!;
    }
  }

  let original: Json | undefined;
  let key: string | number | undefined;
  if (p.poison === 'proto') {
    const target = at(value, path) as Record<string, Json>;
    target[PLACEHOLDER] = p.at % 3 === 0 ? { polluted: true, additionalProperties: { x: 1 } } : p.at % 3 === 1 ? [] : 'polluted';
  } else {
    key = path[path.length - 1]!;
    const parent = at(value, path.slice(0, -1)) as Record<string | number, Json>;
    original = parent[key];
    parent[key] = p.poison === 'deep' ? nested(maxDepth + p.extraDepth) : p.poison === 'wrong_type' ? otherType(parent[key]!, p.type) : Array.from({ length: p.items }, (_, i) => `bad-item-${i}`);
    if (p.duplicate && typeof key === 'string') {
      // the valid value first, under a marker key renamed to the same key in the text
      const entries = Object.entries(parent);
      for (const k of Object.keys(parent)) delete parent[k];
      for (const [k, v] of entries) {
        if (k === key) parent[`${DUPLICATE}${k}`] = original!;
        parent[k] = v;
      }
    }
  }
  const forbidden = FORBIDDEN_JSON_KEYS[p.key % FORBIDDEN_JSON_KEYS.length]!;
  const text = serialise(value, (k) => (k === PLACEHOLDER ? spell(forbidden, p.spelling) : k.startsWith(DUPLICATE) ? JSON.stringify(k.slice(DUPLICATE.length)) : JSON.stringify(k)));
  return { text, poison: p.poison, path };
}

/** JSON text with keys written by `keyText` (JSON.stringify cannot write a duplicate or an escape). */
function serialise(v: Json, keyText: (k: string) => string): string {
  if (Array.isArray(v)) return `[${v.map((x) => serialise(x, keyText)).join(',')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.entries(v).map(([k, x]) => `${keyText(k)}:${serialise(x, keyText)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** A few strings an attacker puts where an id or a word goes (path parameters, query values). */
export const hostileWord: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '..', '%00', ''),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 3_000 }),
);
