/**
 * The stores the directory suites run against: the in-memory fake (a few methods, with
 * failure injection) and the real SQLite adapter on `:memory:` through `createStore`.
 */
import { freshRecipientState, type RecipientState } from '@qubicle/contracts';
import { createStore, type Store } from '../../../src/store/index.js';
import { MemoryStore, type TestStore } from './memory-store.js';

export interface StoreFactory {
  name: string;
  create(): Promise<TestStore>;
}

function loggedInState(accountId: string, recipientId: string): RecipientState {
  return freshRecipientState({
    account_id: accountId,
    recipient_id: recipientId,
    login_session_id: `${recipientId.slice(0, 8)}-session`,
    loginTime: Math.floor(Date.now() / 1000),
    seq: 0,
  });
}

/** A real Store seen through the TestStore helpers (only port methods are used). */
function asTestStore(store: Store): TestStore {
  const node = 'directory-test-node';
  const helpers = {
    async markLoggedIn(accountId: string, recipientId: string): Promise<void> {
      const lease = await store.tryAcquireLease(0, node, 60_000, Date.now());
      if (!lease) throw new Error('test: cannot acquire lease 0');
      const fence = { shard: 0, epoch: lease.epoch, node };
      await store.claimShard(0, fence);
      await store.saveRecipients([{ state: loggedInState(accountId, recipientId), shard: 0 }], fence);
    },
    async setMeta(key: string, value: unknown): Promise<void> {
      await store.getOrSetMeta(key, value);
    },
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in helpers) return helpers[prop as keyof typeof helpers];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as TestStore;
}

const sqlite: StoreFactory = {
  name: 'sqlite :memory:',
  async create() {
    const store = createStore({ sqlitePath: ':memory:' });
    await store.init();
    return asTestStore(store);
  },
};

export const MEMORY_FACTORY: StoreFactory = { name: 'memory fake', create: async () => new MemoryStore() };
export const STORE_FACTORIES: StoreFactory[] = [MEMORY_FACTORY, sqlite];
