/**
 * The stores the directory suites run against: the memory adapter (with the test hooks of
 * test/support/test-store.ts: failure injection) and the real SQLite adapter on `:memory:`
 * through `createStore`. Both are real adapters (they pass the store contract).
 */
import type { BootstrapStore } from '../../../src/directory/bootstrap.js';
import type { DirectoryHandlerStore } from '../../../src/directory/types.js';
import { createStore, type SessionStore, type Store } from '../../../src/store/index.js';
import { TestStore, markLoggedIn } from '../../support/test-store.js';

/** What the directory suites need of a store: the directory's part, and a few set-up helpers. */
export type DirectoryTestStore = DirectoryHandlerStore &
  BootstrapStore &
  Pick<SessionStore, 'appendSession'> & {
    /** Makes loadRecipient return a state for that recipient (as if logged in). */
    markLoggedIn(accountId: string, recipientId: string): Promise<void>;
    setMeta(key: string, value: unknown): Promise<void>;
    close(): Promise<void>;
  };

export interface StoreFactory {
  name: string;
  create(): Promise<DirectoryTestStore>;
}

/** A real Store seen through the DirectoryTestStore helpers (only port methods are used). */
function withHelpers(store: Store): DirectoryTestStore {
  const helpers = {
    markLoggedIn: (accountId: string, recipientId: string) => markLoggedIn(store, accountId, recipientId),
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
  }) as unknown as DirectoryTestStore;
}

const sqlite: StoreFactory = {
  name: 'sqlite :memory:',
  async create() {
    const store = createStore({ sqlitePath: ':memory:' });
    await store.init();
    return withHelpers(store);
  },
};

export const MEMORY_FACTORY: StoreFactory = { name: 'memory', create: async () => new TestStore() };
export const STORE_FACTORIES: StoreFactory[] = [MEMORY_FACTORY, sqlite];
