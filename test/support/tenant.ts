/**
 * One system shared by the call/event/monitor/session/simulator end-to-end files (a system
 * takes seconds to start and stop), with an ACCOUNT of its own per file (a "tenant"): account
 * settings (missed-call threshold, Pro), recipients and events never leak between files.
 */
import { newKazooId, type UserDoc } from '@qubicle/contracts';
import { bootstrapDemo } from '@qubicle/recipient-worker';
import { pino } from 'pino';
import { PASSWORD, startSystem, type ApiResponse, type System } from './system.js';

let shared: Promise<System> | undefined;

/** The shared system, started on first use and stopped after the last test of the run. */
export function sharedSystem(): Promise<System> {
  shared ??= startSystem();
  return shared;
}

// A root-level hook (this module is imported while mocha loads the test files).
after(async function () {
  this.timeout(30_000);
  if (shared) await (await shared).stop();
  shared = undefined;
});

export interface Tenant {
  sys: System;
  name: string;
  accountId: string;
  adminId: string;
  adminToken: string;
  /** /v2/accounts/{accountId}/qubicle_recipients */
  base: string;
  /** A recipient created straight in the store (no credentials: fast); returns its id. */
  addRecipient(fields?: Partial<UserDoc>): Promise<string>;
  /** A user created over HTTP, with a password, and its token (slower: hashing). */
  addUser(fields: Record<string, unknown>): Promise<{ id: string; token: string }>;
  /** Recipient action (POST …/{id}) */
  action(id: string, body: object, token?: string): Promise<ApiResponse>;
  /** POST …/{id}/status */
  setStatus(id: string, body: object, token?: string): Promise<ApiResponse>;
  /** GET …/{id}/status → data (asserts 200) */
  status(id: string): Promise<any>;
}

let counter = 0;

/**
 * A fresh account on `sys` (admin + the 3 demo agents), configured BEFORE any recipient command
 * of it: the worker caches account settings for a few seconds.
 */
export async function newTenant(sys: System, prefix: string, settings: { missedCallThreshold?: number; pro?: boolean } = {}): Promise<Tenant> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  const demo = await bootstrapDemo(sys.store, { accountName: name, adminUsername: 'admin', adminPassword: PASSWORD, logger: pino({ level: 'silent' }) });
  await sys.store.updateAccount({
    ...demo.account,
    features: { pro: settings.pro ?? true },
    qubicle: { missed_call_threshold: settings.missedCallThreshold ?? 3 },
  });
  const adminToken = await sys.login('admin', PASSWORD, name);
  const accountId = demo.account.id;
  const base = `/v2/accounts/${accountId}/qubicle_recipients`;
  let users = 0;
  const tenant: Tenant = {
    sys,
    name,
    accountId,
    adminId: demo.admin.id,
    adminToken,
    base,
    async addRecipient(fields = {}) {
      const id = newKazooId();
      users++;
      await sys.store.createUser(
        {
          id,
          account_id: accountId,
          first_name: 'E2E',
          last_name: `Recipient ${users}`,
          username: `r${users}-${id.slice(0, 6)}`,
          priv_level: 'user',
          enabled: true,
          qubicle: { enabled: true, permissions: { monitor: false } },
          ...fields,
        },
        null,
      );
      return id;
    },
    async addUser(fields) {
      users++;
      const username = `u${users}-${Date.now().toString(36)}`;
      const res = await sys.api(
        'PUT',
        `/v2/accounts/${accountId}/users`,
        { data: { first_name: 'E2E', last_name: `User ${users}`, username, password: PASSWORD, qubicle: { enabled: true }, ...fields } },
        adminToken,
      );
      if (res.status !== 201) throw new Error(`create user: ${res.status} ${res.text}`);
      return { id: res.body.data.id as string, token: await sys.login(username, PASSWORD, name) };
    },
    action: (id, body, token = adminToken) => sys.api('POST', `${base}/${id}`, { data: body }, token),
    setStatus: (id, body, token = adminToken) => sys.api('POST', `${base}/${id}/status`, { data: body }, token),
    async status(id) {
      const res = await sys.api('GET', `${base}/${id}/status`, undefined, adminToken);
      if (res.status !== 200) throw new Error(`status of ${id}: ${res.status} ${res.text}`);
      return res.body.data;
    },
  };
  return tenant;
}
