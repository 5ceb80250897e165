/**
 * What the deploy tests compare the files under deploy/ (and docker-compose.yml) with: the
 * services' CONFIG_VARIABLES tables, their metric registries, and the paths they serve.
 * No Docker engine or cluster is needed: the files are parsed (yaml) and checked.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { CONFIG_VARIABLES as GATEWAY_VARIABLES, createMetrics } from '@qubicle/api-gateway';
import { CONFIG_VARIABLES as WORKER_VARIABLES, createWorkerMetrics } from '@qubicle/recipient-worker';

export type ServiceKind = 'gateway' | 'worker' | 'embedded';
export const SERVICE_KINDS: readonly ServiceKind[] = ['gateway', 'worker', 'embedded'];

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const readText = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** One YAML file (merge keys `<<` and aliases resolved, as docker compose does). */
export function readYaml<T = any>(path: string): T {
  return parse(readText(path), { merge: true }) as T;
}

/** Every document of every .yaml file of a folder. */
export function readYamlDocs(dir: string): Array<{ file: string; doc: any }> {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readText(join(dir, f)), { merge: true }).map((d) => {
        if (d.errors.length) throw new Error(`${dir}/${f}: ${d.errors.map((e) => e.message).join('; ')}`);
        return { file: `${dir}/${f}`, doc: d.toJS() };
      }),
    )
    .filter((d) => d.doc != null);
}

/** Variables a process kind reads (the embedded one reads the rows marked so in both tables). */
export function variablesOf(kind: ServiceKind): Map<string, { default: string | null; secret: boolean }> {
  const rows = kind === 'gateway' ? GATEWAY_VARIABLES : kind === 'worker' ? WORKER_VARIABLES : [...GATEWAY_VARIABLES, ...WORKER_VARIABLES].filter((v) => v.services.includes('embedded'));
  return new Map(rows.map((v) => [v.name, { default: v.default, secret: v.secret }]));
}

/** The port the process serves its probes and /metrics on, given its environment. */
export function opsPortOf(kind: ServiceKind, env: Record<string, string | undefined>): number {
  const name = kind === 'worker' ? 'METRICS_PORT' : 'PORT';
  const value = env[name] ?? variablesOf(kind).get(name)?.default ?? undefined;
  if (value === undefined || value === null) throw new Error(`no ${name} for ${kind}`);
  return Number(value);
}

/** Metric families of both services' registries (default process metrics included), with their type and label names. */
export async function registeredMetrics(): Promise<Map<string, { type: string; labels: Set<string> }>> {
  const out = new Map<string, { type: string; labels: Set<string> }>();
  for (const registry of [createMetrics().registry, createWorkerMetrics().registry]) {
    for (const m of await registry.getMetricsAsJSON()) {
      const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] } | undefined;
      const labels = new Set<string>(metric?.labelNames ?? []);
      for (const v of m.values) for (const l of Object.keys(v.labels)) labels.add(l);
      out.set(m.name, { type: String(m.type), labels });
    }
  }
  return out;
}

/** Series names an expression may use for a family: histograms add _bucket, _sum, _count. */
export function seriesNames(metrics: Map<string, { type: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, m] of metrics) {
    out.set(name, name);
    if (m.type === 'histogram' || m.type === 'summary') for (const s of ['_bucket', '_sum', '_count']) out.set(name + s, name);
  }
  return out;
}

/** `http://host:port/path` → parts (throws on anything else). */
export function urlParts(url: string): { host: string; port: number; path: string } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), path: u.pathname };
}
