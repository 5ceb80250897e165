/**
 * Compares the method table of test/support/kazoo-sdk.ts with a real copy of the Monster UI KAZOO
 * SDK (2600hz/monster-ui `src/js/lib/jquery.kazoosdk.js`), which cannot be shipped here: the
 * SDK's `methodsGenerator` groups are read as text (`group: { 'name': { verb: 'X', url: '…' }, … }`),
 * nothing of it is run.
 */
import { KAZOO_SDK_METHODS, NOT_SERVED } from '../../test/support/kazoo-sdk.js';

export interface SdkMethod {
  verb: string;
  url: string;
}

/** The methods of one group of the SDK's source, or null when the group is not there. */
export function sdkGroupOf(source: string, group: string): Record<string, SdkMethod> | null {
  const start = new RegExp(`\\b${group}\\s*:\\s*\\{`).exec(source);
  if (!start) return null;
  // the group's body ends at the brace that closes it (method entries hold one level of braces)
  let depth = 1;
  let i = start.index + start[0].length;
  for (; i < source.length && depth > 0; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}') depth--;
  }
  const body = source.slice(start.index + start[0].length, i - 1);
  const out: Record<string, SdkMethod> = {};
  const entry = /['"]?([A-Za-z]+)['"]?\s*:\s*\{\s*['"]?verb['"]?\s*:\s*['"]([A-Z]+)['"]\s*,\s*['"]?url['"]?\s*:\s*['"]([^'"]+)['"]/g;
  for (const m of body.matchAll(entry)) out[m[1]!] = { verb: m[2]!, url: m[3]! };
  return out;
}

/** Every difference between our table and the SDK's, as lines; empty when they agree. */
export function sdkTableDrift(source: string): string[] {
  const drift: string[] = [];
  for (const [group, ours] of Object.entries(KAZOO_SDK_METHODS) as Array<[keyof typeof KAZOO_SDK_METHODS, Record<string, SdkMethod>]>) {
    const theirs = sdkGroupOf(source, group);
    if (!theirs) {
      drift.push(`${group}: not in the SDK`);
      continue;
    }
    for (const [name, m] of Object.entries(theirs)) {
      const mine = ours[name];
      if (!mine) {
        if (!NOT_SERVED[group].includes(name)) drift.push(`${group}.${name}: in the SDK (${m.verb} ${m.url}), not in our table nor NOT_SERVED`);
      } else if (mine.verb !== m.verb || mine.url !== m.url) drift.push(`${group}.${name}: SDK ${m.verb} ${m.url}, ours ${mine.verb} ${mine.url}`);
    }
    for (const name of Object.keys(ours)) if (!(name in theirs)) drift.push(`${group}.${name}: in our table, not in the SDK`);
    for (const name of NOT_SERVED[group]) if (!(name in theirs)) drift.push(`${group}.${name}: listed NOT_SERVED, not in the SDK`);
  }
  return drift;
}
