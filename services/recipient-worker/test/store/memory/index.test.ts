import { MemoryStore } from '../../../src/store/memory/index.js';
import { runQueueRuntimeContract } from '../queues-runtime-contract.js';
import { runStoreContract } from '../store-contract.js';

runStoreContract('MemoryStore (store contract)', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

runQueueRuntimeContract('MemoryStore (queues runtime contract)', async () => {
  const store = new MemoryStore();
  return { store, queues: store.queues, cleanup: () => store.close() };
});
