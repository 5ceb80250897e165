import { MemoryStore } from '../../../src/store/memory/index.js';
import { runStoreContract } from '../store-contract.js';

runStoreContract('MemoryStore (store contract)', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
