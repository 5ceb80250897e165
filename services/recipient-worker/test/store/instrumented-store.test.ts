import assert from 'node:assert/strict';
import { instrumentStore, STORE_WRITE_OPERATIONS } from '../../src/store/instrumented-store.js';
import { StoreError } from '../../src/store/port.js';
import { ACCOUNT, RECIPIENT } from '../support/machine-fixtures.js';
import { TestStore } from '../support/test-store.js';

describe('store/instrumented-store', () => {
  function setup() {
    const inner = new TestStore();
    const seen: Array<{ operation: string; ok: boolean; seconds: number }> = [];
    const store = instrumentStore(inner, { storeWrite: (operation, seconds, ok) => void seen.push({ operation, ok, seconds }) });
    return { inner, store, seen };
  }

  it('times writes by operation, passes results and reads through untouched', async () => {
    const { inner, store, seen } = setup();
    assert.equal(store.kind, inner.kind);
    inner.addAccount({ id: ACCOUNT });
    const lease = await store.tryAcquireLease(3, 'n1', 10_000, 1_000);
    assert.equal(lease?.owner, 'n1');
    assert.equal((await store.getAccount(ACCOUNT))?.id, ACCOUNT);
    await store.ping();
    assert.deepEqual(
      seen.map((s) => [s.operation, s.ok]),
      [['tryAcquireLease', true]],
    );
    assert.ok(seen[0]!.seconds >= 0);
    assert.equal(store.getAccount, store.getAccount, 'bound methods are stable');
  });

  it('a failed write is counted as failed and rethrown as is', async () => {
    const { inner, store, seen } = setup();
    inner.failNext('saveRecipients', new StoreError('fenced', 'nope'));
    await assert.rejects(store.saveRecipients([], { shard: 0, epoch: 1, node: 'n' }), (err: unknown) => err instanceof StoreError && err.kind === 'fenced');
    assert.deepEqual(seen.map((s) => [s.operation, s.ok]), [['saveRecipients', false]]);
    await store.loadRecipient(ACCOUNT, RECIPIENT);
    assert.equal(seen.length, 1, 'reads are not timed');
  });

  it('every write operation named is a method of the store', () => {
    const inner = new TestStore() as unknown as Record<string, unknown>;
    for (const op of STORE_WRITE_OPERATIONS) assert.equal(typeof inner[op], 'function', op);
  });
});
