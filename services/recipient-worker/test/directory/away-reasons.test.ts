/**
 * The directory's away-reason catalogue (directory/away-reasons.ts and its three requests) through
 * the real handler on the memory and SQLite stores: the built-in entry, create / update / patch /
 * delete and their refusals, the bound, and that the account document keeps it (what the actors read).
 */
import assert from 'node:assert/strict';
import { MAX_AWAY_REASONS, type AwayReason } from '@qubicle/contracts';
import { settingsOf } from '../../src/actor/account-settings.js';
import { makeHarness, type Harness } from './support/harness.js';
import { STORE_FACTORIES } from './support/stores.js';

for (const factory of STORE_FACTORIES) {
  describe(`directory: away reasons [${factory.name}]`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness(factory);
    });
    afterEach(async () => {
      await h.store.close();
    });

    const list = () => h.ok<AwayReason[]>({ type: 'away_reason_list', account_id: h.account.id });
    const write = (op: 'create' | 'update' | 'patch', name: string, fields: Record<string, unknown>) =>
      ({ type: 'away_reason_write', account_id: h.account.id, op, name, fields }) as const;

    it('create, patch (null removes), update, delete; the account document keeps the catalogue the actors read', async () => {
      assert.deepEqual(await list(), [{ name: 'missed_calls', label: 'Missed calls', productive: false }]);
      await h.ok(write('create', 'training', { label: 'Training', productive: true }));
      const lunch = await h.ok<AwayReason>(write('create', 'lunch', { label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' }));
      assert.deepEqual(lunch, { name: 'lunch', label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' });
      assert.deepEqual((await list()).map((e) => e.name), ['missed_calls', 'lunch', 'training']);
      const catalogue = settingsOf(await h.store.getAccount(h.account.id)).away_reasons!;
      assert.equal(catalogue.get('lunch')?.max_duration_seconds, 3600);
      assert.ok(catalogue.has('missed_calls'));

      const patched = await h.ok<AwayReason>(write('patch', 'lunch', { max_duration_seconds: null, on_max: null }));
      assert.deepEqual(patched, { name: 'lunch', label: 'Lunch', productive: false });
      const updated = await h.ok<AwayReason>(write('update', 'training', { label: 'Coaching', productive: false }));
      assert.deepEqual(updated, { name: 'training', label: 'Coaching', productive: false });
      assert.deepEqual(await h.ok({ type: 'away_reason_delete', account_id: h.account.id, name: 'training' }), updated);
      assert.deepEqual((await list()).map((e) => e.name), ['missed_calls', 'lunch']);
    });

    it('refusals change nothing: a taken name, an unknown one, the built-in entry, a maximum without on_max, the bound', async () => {
      await h.ok(write('create', 'lunch', { label: 'Lunch', productive: false }));
      const before = await list();
      assert.equal((await h.fail(write('create', 'lunch', { label: 'Again', productive: true }))).code, 'conflict');
      assert.equal((await h.fail(write('create', 'missed_calls', { label: 'Mine', productive: true }))).code, 'conflict');
      assert.equal((await h.fail(write('patch', 'nap', { label: 'x' }))).code, 'not_found');
      assert.equal((await h.fail({ type: 'away_reason_delete', account_id: h.account.id, name: 'nap' })).code, 'not_found');
      const builtIn = await h.fail({ type: 'away_reason_delete', account_id: h.account.id, name: 'missed_calls' });
      assert.equal(builtIn.code, 'invalid_data');
      assert.ok(builtIn.details?.['name']?.['built_in']);
      const half = await h.fail(write('patch', 'lunch', { max_duration_seconds: 60 }));
      assert.equal(half.code, 'invalid_data', 'a maximum needs its on_max');
      assert.deepEqual(await list(), before);

      for (let i = 1; i < MAX_AWAY_REASONS; i++) await h.ok(write('create', `r${i}`, { label: `R${i}`, productive: false }));
      const full = await h.fail(write('create', 'one_too_many', { label: 'x', productive: false }));
      assert.equal(full.code, 'invalid_data');
      assert.ok(full.details?.['name']?.['maxItems']);
      assert.equal((await list()).length, MAX_AWAY_REASONS + 1, 'the built-in entry is not counted');
    });
  });
}
