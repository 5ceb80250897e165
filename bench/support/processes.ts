/**
 * Child processes of the benchmark: a TypeScript entry point in its own node process (tsx, the
 * `source` condition, like the services are started in development), polling waits, and CPU time
 * read from /proc/<pid>/stat (the service processes' and the broker's). Free ports:
 * test/support/free-port.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** stdout + stderr, last lines */
  lines: string[];
  /** resolves with the first JSON line of stdout that has `key` */
  message<T>(key: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The JavaScript `tsc -b` compiled from a service's `src/*.ts` (`services/x/src/main.ts` →
 * `services/x/dist/src/main.js`): what the Docker image runs, with plain node. bench/run.ts builds
 * first, so it matches the sources.
 */
export function compiledPath(file: string): string {
  const m = /^(.*)\/src\/(.*)\.ts$/.exec(file);
  if (!m) throw new Error(`not a src/*.ts file: ${file}`);
  const js = `${m[1]}/dist/src/${m[2]}.js`;
  if (!existsSync(join(ROOT, js))) throw new Error(`${js} is missing: run \`npm run build\` (npm run bench does)`);
  return js;
}

/**
 * Starts `file` (relative to the repo root) in its own node process; `nodeArgs` go before the loader
 * (e.g. --expose-gc). `echoStderr`: the child's stderr is also copied to ours as it comes (a service
 * that cannot start says why there, while the run waits for it).
 */
export function startTs(
  name: string,
  file: string,
  env: Record<string, string>,
  opts: { nodeArgs?: string[]; args?: string[]; compiled?: boolean; echoStderr?: boolean } = {},
): Child {
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of every child (written when it exits), for finding where the time goes
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}/${name}`] : [];
  const compiled = opts.compiled ? compiledPath(file) : undefined;
  const entry = compiled ? [compiled] : ['--import', 'tsx', '--conditions=source', file];
  const proc = spawn(process.execPath, [...prof, ...(opts.nodeArgs ?? []), ...entry, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 2000) lines.splice(0, lines.length - 2000);
      for (const l of listeners) l(line);
    }
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  if (opts.echoStderr) proc.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    name,
    proc,
    pid: proc.pid!,
    lines,
    message<T>(key: string, timeoutMs = 120_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(on);
          reject(new Error(`${name}: no "${key}" message within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`));
        }, timeoutMs);
        const on = (line: string) => {
          if (!line.startsWith('{')) return;
          try {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            if (key in parsed) {
              clearTimeout(timer);
              listeners.delete(on);
              resolve(parsed[key] as T);
            }
          } catch {
            // not ours
          }
        };
        listeners.add(on);
        void exited.then(() => {
          if (!listeners.has(on)) return;
          clearTimeout(timer);
          listeners.delete(on);
          reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before "${key}":\n${lines.slice(-15).join('\n')}`));
        });
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      }
    },
  };
}

export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TICKS = 100; // USER_HZ on Linux

/** user + system CPU seconds of a process so far (/proc/<pid>/stat), NaN when unreadable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15)
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used by a set of processes between start() and stop(). */
export function cpuMeter(pids: number[]): { stop(): number } {
  const before = pids.map(cpuSeconds);
  return {
    stop() {
      return pids.reduce((sum, pid, i) => sum + (cpuSeconds(pid) - before[i]!), 0);
    },
  };
}

let brokerPid: Promise<number | undefined> | undefined;

/** The local RabbitMQ's OS pid (rabbitmqctl), undefined when it cannot be found (then broker CPU is not reported). */
export function findBrokerPid(): Promise<number | undefined> {
  brokerPid ??= new Promise((resolve) => {
    const [cmd = 'rabbitmqctl', ...prefix] = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').trim().split(/\s+/);
    execFile(cmd, [...prefix, 'eval', 'os:getpid().'], { timeout: 15_000 }, (err, stdout) => {
      const pid = err ? Number.NaN : Number(/\d+/.exec(String(stdout))?.[0]);
      resolve(Number.isInteger(pid) && !Number.isNaN(cpuSeconds(pid)) ? pid : undefined);
    });
  });
  return brokerPid;
}
