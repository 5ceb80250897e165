/**
 * Reads Prometheus text exposition into samples, for exact assertions on scraped metrics. One copy
 * for the services' tests and the repo's ops tests, which import it by relative path (as they do
 * libs/transport/test/support/vhost.ts):
 *   import { parsePrometheusText, sample } from '../../../libs/runtime/test/support/prom-text.js';
 */
export type Samples = Map<string, number>;

/** `name{a="1",b="2"}` with the labels sorted by name. */
export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const l = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
}

export function parsePrometheusText(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    out.set(sampleKey(m[1]!, labels), Number(m[3]));
  }
  return out;
}

/** The sample's value, 0 when absent (a counter never incremented is not exported for a label set). */
export function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(sampleKey(name, labels)) ?? 0;
}

/** Metric family names declared by `# TYPE` lines. */
export function familyNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}
