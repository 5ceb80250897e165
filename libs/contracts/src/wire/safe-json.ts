/**
 * The ONE JSON parse of every entrance: HTTP request bodies and websocket client messages (the
 * gateway), and every bus message (RPC requests, RPC replies, events; both buses). It is
 * `JSON.parse` with two refusals, so that what an attacker sends can never reach an object's
 * prototype or the stack:
 *
 * - a key named `__proto__`, `constructor` or `prototype`, at any depth and in any spelling
 *   (`"\u005f_proto__"` is the same key): refused, never dropped (a message is used exactly as it
 *   was validated, or not at all). Code that builds objects from input keys (`o[key] = …`, a
 *   recursive merge, `??=`) would otherwise write to `Object.prototype` (issue 11: one such key
 *   stopped every gateway and worker);
 * - nesting deeper than `maxDepth` arrays/objects (CLIENT_JSON_MAX_DEPTH for what clients send,
 *   BUS_JSON_MAX_DEPTH on the bus, which wraps client values a few levels deeper): refused before
 *   anything recursive (ajv, JSON.stringify, a deep copy) sees the value, so none ever overflows
 *   the stack on an input value.
 *
 * Duplicate keys are not refused: the last one wins, as in JSON.parse, and since the value
 * validated is the value used, no check can see one and the handler the other.
 *
 * Cost (hot path: the bus parses every message): two cheap pre-scans of the text decide whether
 * the parsed value must be walked at all. Depth: a text with at most `maxDepth` `{`/`[`
 * characters cannot nest deeper. Keys: only a text that contains one of the three names, or a
 * `\u` escape, can hold one. A typical 1 KB command is never walked; the figures are in
 * docs/bus.md (micro-benchmark: bench/micro/safe-json.ts).
 *
 * Pure: no I/O, no dependencies.
 */
import { QubicleFailure } from '../errors.js';

/** Keys no JSON input may contain. */
export const FORBIDDEN_JSON_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Deepest nesting accepted from clients (HTTP bodies, websocket messages). */
export const CLIENT_JSON_MAX_DEPTH = 32;
/** Deepest nesting accepted on the bus (client values wrapped in commands, replies, batches). */
export const BUS_JSON_MAX_DEPTH = 64;

export type UnsafeJsonReason = 'syntax' | 'forbidden_key' | 'too_deep' | 'unserialisable';

/**
 * Why a JSON text (or value) was refused. A QubicleFailure (`invalid_message`), so that wherever it
 * surfaces it maps to a 400 / an invalid-message reply, never a 500. The message never quotes the
 * input (only the name of a refused key, which is one of three fixed words).
 */
export class UnsafeJsonError extends QubicleFailure {
  constructor(
    readonly reason: UnsafeJsonReason,
    message: string,
  ) {
    super({ code: 'invalid_message', message });
    this.name = 'UnsafeJsonError';
  }
}

const FORBIDDEN = new Set<string>(FORBIDDEN_JSON_KEYS);

/**
 * `JSON.parse(text)` unless the text nests deeper than `maxDepth` or holds a forbidden key:
 * throws UnsafeJsonError (reason `syntax`, `too_deep` or `forbidden_key`).
 *
 * JSON.parse itself is not recursive in V8 (a million levels parse fine), so the depth of a text
 * that may be deep is measured on the parsed value, with an explicit stack: cheaper than scanning
 * every character of a large text, and nothing recursive ever sees the value before it passed.
 */
export function parseJson(text: string, maxDepth: number = BUS_JSON_MAX_DEPTH): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // JSON.parse's own message (it quotes at most a few characters of the text)
    throw new UnsafeJsonError('syntax', (err instanceof Error ? err.message : String(err)).slice(0, 200));
  }
  const deep = mayNestDeeperThan(text, maxDepth);
  const keys = mayHoldForbiddenKey(text);
  if (deep || keys) {
    const problem = check(value, deep ? maxDepth : Infinity, keys);
    if (problem === TOO_DEEP) throw new UnsafeJsonError('too_deep', `nested deeper than ${maxDepth} levels`);
    if (problem !== undefined) throw new UnsafeJsonError('forbidden_key', `the key "${problem}" is not allowed`);
  }
  return value;
}

/**
 * `JSON.stringify(value) ?? 'null'`, with a failure (a value nested too deeply for the stack, a
 * cycle, a BigInt) thrown as UnsafeJsonError `unserialisable` instead of a RangeError / TypeError.
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    const why = err instanceof RangeError ? 'nested too deeply' : err instanceof Error ? err.message : String(err);
    throw new UnsafeJsonError('unserialisable', `value cannot be serialised to JSON: ${why}`.slice(0, 200));
  }
}

/** At most `maxDepth` brackets in all (strings included) = cannot nest deeper; stops counting past the limit. */
function mayNestDeeperThan(text: string, maxDepth: number): boolean {
  let brackets = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++brackets > maxDepth) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++brackets > maxDepth) return true;
  return false;
}

/**
 * Could the parsed value hold a forbidden key? "proto" stands for `__proto__` and `prototype` (one
 * search, not two: each costs ~0.1 µs per KB), and a `\u` escape can spell any key.
 */
function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('proto') || text.includes('constructor') || text.includes('\\u');
}

const TOO_DEEP = Symbol('too deep');

/**
 * Walks a parsed value (iteratively) for nesting deeper than `maxDepth` (a container at the top is
 * depth 1) and, when `keys`, for a forbidden key: the first problem found, or undefined.
 */
function check(value: unknown, maxDepth: number, keys: boolean): string | typeof TOO_DEEP | undefined {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return TOO_DEEP;
    if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item !== 'object' || item === null) continue;
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    // for…in, not Object.keys (no array per object): JSON.parse makes own enumerable keys only,
    // and Object.prototype has no enumerable key (that is what this module keeps true)
    for (const key in v) {
      if (keys && FORBIDDEN.has(key)) return key;
      const child = (v as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) continue;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}
