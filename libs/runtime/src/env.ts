/**
 * Readers of environment variables for the services' configurations: each returns the typed value
 * (or the default when the variable is unset or blank) and throws a ConfigError naming the variable
 * when the value is not acceptable. Each reads `env[name]` once, and only the variable it is given:
 * the services' tests list the variables their config reads through a Proxy on `env`.
 */
import { ConfigError } from './config-error.js';

export type Env = Record<string, string | undefined>;

/** Trimmed value, or undefined when unset or blank. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A whole number from `min` to `max` (inclusive). */
export function integer(env: Env, name: string, dflt: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return dflt;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Like `integer`, but undefined when unset: a setting that is normally left out. */
export function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return raw(env, name) === undefined ? undefined : integer(env, name, 0, min, max);
}

/** One of a fixed set of words, as written (case matters). */
export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const value = raw(env, name);
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(name, `must be one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A switch: on/true/1 or off/false/0, in any case. */
export function onOff(env: Env, name: string, dflt: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return dflt;
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be on or off, got ${JSON.stringify(value)}`);
}

/** A URL with one of `protocols` (as URL.protocol spells them: 'amqp:'), or undefined when unset. */
export function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`);
  }
  return value;
}
