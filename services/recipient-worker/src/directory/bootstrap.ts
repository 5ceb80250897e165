/**
 * Demo bootstrap for a fresh `npm start`: one Pro account, its admin, and three agents.
 *
 * - Account (created only if no account has that name, case-insensitive): a new KAZOO id, a
 *   random 64-hex api_key (returned so the launcher can print it; never logged), features
 *   {pro: true} so monitor can be shown, qubicle {missed_call_threshold: 3}.
 * - Admin: priv_level admin, first_name "Demo", last_name "Admin", a recipient with the monitor
 *   permission. Ensured on every run (re-created if someone deleted it); an existing admin is
 *   left alone, so a password changed since is kept (the configured one is then stale).
 * - Agents `agent1`..`agent3` ("Demo Agent 1".."Demo Agent 3"): recipients, priv_level user,
 *   **the same password as the admin** (a demo convenience: one password to print). Created
 *   only together with the account, so deleting them later is not undone at the next start.
 *
 * Idempotent, and safe when several processes sharing the store bootstrap at once: every
 * create that loses a race (StoreError conflict) re-reads what the winner wrote.
 */
import { randomBytes } from 'node:crypto';
import { newKazooId, type AccountDoc, type UserDoc, type UserWrite } from '@qubicle/contracts';
import { createSystemClock, type Clock } from '../clock.js';
import { StoreError, type DirectoryStore } from '../store/port.js';
import { credentialsOf, hashCredentials } from './credentials.js';
import type { DirectoryLogger } from './types.js';
import { userDocFromWrite } from './users.js';

export type BootstrapStore = Pick<DirectoryStore, 'createAccount' | 'getAccountByName' | 'getUserByUsername' | 'createUser'>;

export interface BootstrapDemoOptions {
  accountName: string;
  adminUsername: string;
  /** Also the password of the demo agents. */
  adminPassword: string;
  logger: DirectoryLogger;
  /** the account's created/modified times (default the wall clock) */
  clock?: Pick<Clock, 'now'>;
}

export interface BootstrapDemoResult {
  /** Includes the api_key, so the launcher can print it. */
  account: AccountDoc;
  admin: UserDoc;
  /** true when this call created the account (and the demo agents). */
  created: boolean;
}

export const DEMO_AGENT_COUNT = 3;
export const DEMO_MISSED_CALL_THRESHOLD = 3;

const isConflict = (err: unknown): boolean => err instanceof StoreError && err.kind === 'conflict';

function checkOptions(opts: BootstrapDemoOptions): void {
  if (opts.accountName.length < 1 || opts.accountName.length > 128) throw new RangeError('demo account name must be 1..128 characters');
  if (!/^[^\s:]{1,256}$/.test(opts.adminUsername)) throw new RangeError('demo admin username must be 1..256 characters without spaces or ":"');
  if (opts.adminPassword.length < 6 || opts.adminPassword.length > 256) throw new RangeError('demo admin password must be 6..256 characters');
}

async function ensureAccount(store: BootstrapStore, name: string, clock: Pick<Clock, 'now'>): Promise<{ account: AccountDoc; created: boolean }> {
  const existing = await store.getAccountByName(name);
  if (existing) return { account: existing, created: false };
  const now = clock.now();
  const account: AccountDoc = {
    id: newKazooId(),
    name,
    api_key: randomBytes(32).toString('hex'),
    features: { pro: true },
    qubicle: { missed_call_threshold: DEMO_MISSED_CALL_THRESHOLD },
    created: now,
    modified: now,
  };
  try {
    await store.createAccount(account);
    return { account, created: true };
  } catch (err) {
    if (!isConflict(err)) throw err;
    const winner = await store.getAccountByName(name);
    if (!winner) throw err;
    return { account: winner, created: false };
  }
}

/** The user with that username, created (with credentials for `password`) if missing. */
async function ensureUser(store: BootstrapStore, accountId: string, write: UserWrite & { username: string; password: string }): Promise<UserDoc> {
  const existing = await store.getUserByUsername(accountId, write.username);
  if (existing) return existing.doc;
  const doc = userDocFromWrite(accountId, newKazooId(), write);
  const creds = await hashCredentials(credentialsOf(write.username, write.password));
  try {
    return (await store.createUser(doc, creds)).doc;
  } catch (err) {
    if (!isConflict(err)) throw err;
    const winner = await store.getUserByUsername(accountId, write.username);
    if (!winner) throw err;
    return winner.doc;
  }
}

export async function bootstrapDemo(store: BootstrapStore, opts: BootstrapDemoOptions): Promise<BootstrapDemoResult> {
  checkOptions(opts);
  const { account, created } = await ensureAccount(store, opts.accountName, opts.clock ?? createSystemClock());
  const admin = await ensureUser(store, account.id, {
    first_name: 'Demo',
    last_name: 'Admin',
    username: opts.adminUsername,
    password: opts.adminPassword,
    priv_level: 'admin',
    enabled: true,
    qubicle: { enabled: true, permissions: { monitor: true } },
  });
  if (created) {
    for (let i = 1; i <= DEMO_AGENT_COUNT; i++) {
      await ensureUser(store, account.id, {
        first_name: 'Demo',
        last_name: `Agent ${i}`,
        username: `agent${i}`,
        password: opts.adminPassword,
        priv_level: 'user',
        enabled: true,
        qubicle: { enabled: true, permissions: { monitor: false } },
      });
    }
  }
  opts.logger.info(
    { account_id: account.id, account_name: account.name, admin_id: admin.id, created, agents: created ? DEMO_AGENT_COUNT : 0 },
    created ? 'demo account created' : 'demo account already present',
  );
  return { account, admin, created };
}
