import { newKazooId, type AccountDoc, type QubicleError, type RpcReply, type UserWrite } from '@qubicle/contracts';
import { randomBytes } from 'node:crypto';
import { defaultCredentialsApi, type CredentialsApi } from '../../../src/directory/credentials.js';
import { createDirectoryHandler, type DirectoryHandler } from '../../../src/directory/directory-handler.js';
import type { DirectoryBus, DirectoryLogger, LogoutRecipient } from '../../../src/directory/types.js';
import type { DirectoryTestStore } from './stores.js';
import type { StoreFactory } from './stores.js';

export const SHARD_COUNT = 4;

export interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

export function recordingLogger(lines: LogLine[]): DirectoryLogger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface LogoutCall {
  accountId: string;
  recipientId: string;
  reason: string | undefined;
  /** Whether the user document still existed when the logout was asked (logout comes first). */
  userExisted: boolean;
}

export interface Harness {
  store: DirectoryTestStore;
  account: AccountDoc;
  handler: DirectoryHandler;
  logs: LogLine[];
  logoutCalls: LogoutCall[];
  verifyCalls: Array<{ md5: string; hash: string; result: boolean }>;
  busCalls: unknown[];
  /** What the directory published (auth notices), in order. */
  published: Array<{ exchange: string; routingKey: string; body: unknown; requestId?: string | undefined }>;
  /** Make the next logoutRecipient calls fail with this error. */
  failLogout(err: unknown): void;
  call(body: unknown): Promise<RpcReply<unknown>>;
  ok<T>(body: unknown): Promise<T>;
  fail(body: unknown): Promise<QubicleError>;
}

export interface HarnessOptions {
  /** default: a spy that records the call; `'bus'` = the handler's default (over `bus`). */
  logout?: 'spy' | 'bus';
  bus?: DirectoryBus;
  store?: DirectoryTestStore;
  /** the directory's clock (default Date.now) */
  clock?: () => number;
}

export async function makeHarness(factory: StoreFactory, opts: HarnessOptions = {}): Promise<Harness> {
  const store = opts.store ?? (await factory.create());
  const now = Date.now();
  const account: AccountDoc = {
    id: newKazooId(),
    name: `Test Account ${randomBytes(3).toString('hex')}`,
    api_key: randomBytes(32).toString('hex'),
    features: { pro: true },
    qubicle: { missed_call_threshold: 3 },
    created: now,
    modified: now,
  };
  await store.createAccount(account);

  const logs: LogLine[] = [];
  const logoutCalls: LogoutCall[] = [];
  const verifyCalls: Harness['verifyCalls'] = [];
  const busCalls: unknown[] = [];
  const published: Harness['published'] = [];
  let logoutError: unknown = null;

  const spyLogout: LogoutRecipient = async (accountId, recipientId, info) => {
    const userExisted = (await store.getUser(accountId, recipientId)) !== null;
    logoutCalls.push({ accountId, recipientId, reason: info?.reason, userExisted });
    if (logoutError !== null) throw logoutError;
  };
  const credentials: CredentialsApi = {
    ...defaultCredentialsApi,
    async verifyCredentials(md5, hash) {
      const result = await defaultCredentialsApi.verifyCredentials(md5, hash);
      verifyCalls.push({ md5, hash, result });
      return result;
    },
  };
  const bus: DirectoryBus = opts.bus ?? {
    async call(_queue, body) {
      busCalls.push(body);
      return { ok: true, data: {} };
    },
    async publish(exchange, routingKey, body, publishOpts) {
      published.push({ exchange, routingKey, body, requestId: publishOpts?.requestId });
    },
  };
  const handler = createDirectoryHandler({
    store,
    bus,
    logger: recordingLogger(logs),
    shardCount: SHARD_COUNT,
    credentials,
    ...(opts.logout === 'bus' ? {} : { logoutRecipient: spyLogout }),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });

  const call = (body: unknown) => handler({ body, requestId: 'req-test' });
  return {
    store,
    account,
    handler,
    logs,
    logoutCalls,
    verifyCalls,
    busCalls,
    published,
    failLogout(err) {
      logoutError = err;
    },
    call,
    async ok<T>(body: unknown): Promise<T> {
      const reply = await call(body);
      if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
      return reply.data as T;
    },
    async fail(body: unknown): Promise<QubicleError> {
      const reply = await call(body);
      if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply.data)}`);
      return reply.error;
    },
  };
}

export function userWrite(overrides: Partial<UserWrite> & Record<string, unknown> = {}): UserWrite {
  return { first_name: 'Ada', last_name: 'Lovelace', ...overrides } as UserWrite;
}

/** Every string found anywhere in a JSON-able value (keys included). */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}

/** Asserts that none of `secrets` occurs (case-insensitively, as a substring) anywhere in `value`. */
export function findSecrets(value: unknown, secrets: string[]): string[] {
  const haystack = allStrings(value).map((s) => s.toLowerCase());
  const text = JSON.stringify(value ?? null).toLowerCase();
  return secrets.filter((secret) => {
    const needle = secret.toLowerCase();
    return text.includes(needle) || haystack.some((s) => s.includes(needle));
  });
}
