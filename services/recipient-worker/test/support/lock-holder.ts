/** Another PROCESS holding a SQLite file's write lock (store/sqlite/lock-holder-child.ts), for the lock tests. */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, '../store/sqlite/lock-holder-child.ts');
const REPO = resolve(here, '../../../..');

export interface HeldLock {
  pid: number;
  /** Rolls the holder's transaction back and waits for it to exit. */
  release(): Promise<void>;
}

/** Resolves once the child holds the lock (BEGIN IMMEDIATE); fails loudly if it exits first. */
export async function holdSqliteLock(file: string, timeoutMs = 30_000): Promise<HeldLock> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, file], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`lock holder did not lock ${file} within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('locked\n')) {
        clearTimeout(timer);
        res();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`lock holder exited (${code}) before locking: ${err}`));
    });
  });
  return {
    pid: child.pid!,
    async release() {
      if (child.exitCode !== null) return;
      child.stdin.end('release\n');
      const code = await exited;
      if (code !== 0) throw new Error(`lock holder exited with ${code}: ${err}`);
    },
  };
}
