/**
 * The store contract: one mocha suite that every adapter must pass unchanged.
 * Each test gets a fresh, initialised store from `makeStore`.
 */
import { strict as assert } from 'node:assert';
import type { StoredUser } from '@qubicle/contracts';
import type { AccountDoc, AuditEntry, SessionRecord } from '@qubicle/contracts';
import { StoreError, type Fence, type RecipientLogout, type Store, type StoreErrorKind } from '../../src/store/port.js';
import { makeAccount, makeEvent, makeQueue, makeState, makeUser, newId } from './fixtures.js';

export interface StoreHandle {
  store: Store;
  /** Closes the store (it may already be closed) and removes its data. */
  cleanup(): Promise<void>;
}

export async function rejectsWith(kind: StoreErrorKind, promise: Promise<unknown>): Promise<StoreError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected StoreError('${kind}'), but the call succeeded`);
  assert.ok(caught instanceof StoreError, `expected StoreError('${kind}'), got ${String(caught)}`);
  assert.equal(caught.kind, kind, `expected StoreError('${kind}'), got '${caught.kind}': ${caught.message}`);
  return caught;
}

/** The lease time the contract suites acquire shards with. */
export const TTL = 10_000;

/** Acquire + claim, as a new owner does; returns the fence to write with. */
export async function own(store: Store, shard: number, node: string, now: number): Promise<Fence> {
  const lease = await store.tryAcquireLease(shard, node, TTL, now);
  assert.ok(lease, `${node} should acquire shard ${shard} at ${now}`);
  const fence = { shard, epoch: lease.epoch, node };
  await store.claimShard(shard, fence);
  return fence;
}

/** A logout with no events, no session and nothing to remember, unless given. */
function logout(store: Store, accountId: string, recipientId: string, shard: number, fence: Fence, over: Partial<RecipientLogout> = {}): Promise<void> {
  return store.logoutRecipient({ account_id: accountId, recipient_id: recipientId, shard, events: [], recent_commands: [], forget_at: 0, now: 1, ...over }, fence);
}

/** "recipient:seq" of each event, as listOutbox returns them. */
async function outboxOf(store: Store, shard: number): Promise<string[]> {
  return (await store.listOutbox(shard)).map((e) => `${e.recipient_id.slice(0, 6)}:${e.seq}`);
}

function names(users: StoredUser[]): string[] {
  return users.map((u) => `${u.doc.last_name}/${u.doc.first_name}`);
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreHandle>): void {
  describe(name, function () {
    let handle: StoreHandle;
    let store: Store;

    beforeEach(async function () {
      handle = await makeStore();
      store = handle.store;
      await store.init();
    });

    afterEach(async function () {
      await handle?.cleanup();
    });

    describe('lifecycle', function () {
      it('init is idempotent, ping answers, kind is set', async function () {
        await store.init();
        await store.ping();
        assert.ok(store.kind === 'sqlite' || store.kind === 'mongodb' || store.kind === 'memory');
      });

      it('a closed store is unavailable', async function () {
        await store.close();
        await rejectsWith('unavailable', store.ping());
        await rejectsWith('unavailable', store.getAccount(newId()));
      });
    });

    describe('meta', function () {
      it('getOrSetMeta: the first value wins', async function () {
        assert.equal(await store.getMeta<number>('shard_count'), undefined);
        assert.equal(await store.getOrSetMeta('shard_count', 64), 64);
        assert.equal(await store.getOrSetMeta('shard_count', 32), 64);
        assert.equal(await store.getMeta<number>('shard_count'), 64);
      });

      it('keeps structured values and separate keys', async function () {
        const value = { a: [1, 2, { b: 'c' }], d: null, e: true };
        assert.deepEqual(await store.getOrSetMeta('cfg', value), value);
        assert.deepEqual(await store.getOrSetMeta('cfg', { other: 1 }), value);
        assert.equal(await store.getOrSetMeta('other', 'x'), 'x');
        assert.deepEqual(await store.getMeta('cfg'), value);
      });

      it('concurrent first writers all see the same winner', async function () {
        const results = await Promise.all([1, 2, 3, 4].map((v) => store.getOrSetMeta('race', v)));
        assert.equal(new Set(results).size, 1, `all callers see one value, got ${results.join(',')}`);
        assert.equal(await store.getMeta('race'), results[0]);
      });
    });

    describe('accounts', function () {
      it('creates and looks up by id, name (case-insensitive) and api key', async function () {
        const acc = makeAccount({ name: 'Acme Call Center' });
        await store.createAccount(acc);
        assert.deepEqual(await store.getAccount(acc.id), acc);
        assert.deepEqual(await store.getAccountByName('acme call center'), acc);
        assert.deepEqual(await store.getAccountByName('ACME CALL CENTER'), acc);
        assert.deepEqual(await store.getAccountByApiKey(acc.api_key), acc);
        assert.equal(await store.getAccount(newId()), null);
        assert.equal(await store.getAccountByName('acme'), null);
        assert.equal(await store.getAccountByApiKey('0'.repeat(64)), null);
      });

      it('conflicts on the same name in another case, or the same id', async function () {
        const acc = makeAccount({ name: 'Acme' });
        await store.createAccount(acc);
        await rejectsWith('conflict', store.createAccount(makeAccount({ name: 'ACME' })));
        await rejectsWith('conflict', store.createAccount(makeAccount({ id: acc.id, name: 'Other' })));
        assert.deepEqual(await store.getAccountByName('acme'), acc);
        assert.equal(await store.getAccountByName('other'), null);
      });

      it('updates: look-ups follow the new name, conflicts and not_found', async function () {
        const acc = makeAccount({ name: 'Old Name' });
        const other = makeAccount({ name: 'Taken' });
        await store.createAccount(acc);
        await store.createAccount(other);
        const renamed = { ...acc, name: 'New Name', features: { pro: true }, modified: acc.modified + 1 };
        await store.updateAccount(renamed);
        assert.deepEqual(await store.getAccount(acc.id), renamed);
        assert.deepEqual(await store.getAccountByName('new name'), renamed);
        assert.equal(await store.getAccountByName('old name'), null);
        await rejectsWith('conflict', store.updateAccount({ ...renamed, name: 'TAKEN' }));
        assert.deepEqual(await store.getAccount(acc.id), renamed);
        await rejectsWith('not_found', store.updateAccount(makeAccount()));
      });

      it('keeps the away-reason catalogue of the account document (qubicle.away_reasons)', async function () {
        const acc = makeAccount();
        await store.createAccount(acc);
        const withReasons: AccountDoc = {
          ...acc,
          qubicle: {
            ...acc.qubicle,
            away_reasons: [
              { name: 'lunch', label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' },
              { name: 'training', label: 'Training', productive: true },
            ],
          },
        };
        await store.updateAccount(withReasons);
        assert.deepEqual(await store.getAccount(acc.id), withReasons);
      });
    });

    describe('users', function () {
      const accountId = newId();

      it('creates with rev 1-<hex> and reads back the same document', async function () {
        const doc = makeUser(accountId, {
          email: 'ada@example.com',
          caller_id: { internal: { name: 'Ada', number: '1001' } },
          ui_metadata: { origin: 'test' },
        });
        const created = await store.createUser(doc, null);
        assert.match(created.rev, /^1-[0-9a-f]+$/);
        assert.equal(typeof created.created, 'number');
        assert.equal(created.created, created.modified);
        assert.deepEqual(created.doc, doc);
        assert.deepEqual(await store.getUser(accountId, doc.id), created);
        assert.equal(await store.getUser(newId(), doc.id), null, 'a user is only found in its own account');
        assert.equal(await store.getUser(accountId, newId()), null);
      });

      it('drops undefined members like JSON does', async function () {
        const doc = makeUser(accountId, { email: undefined });
        const created = await store.createUser(doc, null);
        const read = await store.getUser(accountId, doc.id);
        assert.ok(read);
        assert.equal('email' in read.doc, false);
        assert.equal('email' in created.doc, false);
      });

      it('finds by username case-insensitively', async function () {
        const doc = makeUser(accountId, { username: 'Ada.Lovelace' });
        await store.createUser(doc, null);
        assert.equal((await store.getUserByUsername(accountId, 'ada.lovelace'))?.doc.id, doc.id);
        assert.equal((await store.getUserByUsername(accountId, 'ADA.LOVELACE'))?.doc.id, doc.id);
        assert.equal(await store.getUserByUsername(newId(), 'ada.lovelace'), null);
        assert.equal(await store.getUserByUsername(accountId, 'ada'), null);
      });

      it('conflicts on a taken username (any case) or id, not across accounts', async function () {
        const doc = makeUser(accountId, { username: 'agent1' });
        await store.createUser(doc, null);
        await rejectsWith('conflict', store.createUser(makeUser(accountId, { username: 'AGENT1' }), null));
        await rejectsWith('conflict', store.createUser(makeUser(accountId, { id: doc.id, username: 'agent2' }), null));
        const elsewhere = makeUser(newId(), { username: 'agent1' });
        await store.createUser(elsewhere, null);
        assert.equal((await store.listUsers(accountId)).length, 1);
      });

      it('users without a username do not conflict with each other', async function () {
        await store.createUser(makeUser(accountId, { username: '' }), null);
        await store.createUser(makeUser(accountId, { username: '' }), null);
        assert.equal((await store.listUsers(accountId)).length, 2);
        assert.equal(await store.getUserByUsername(accountId, ''), null);
      });

      it('updates with the current rev, refuses a stale one', async function () {
        const doc = makeUser(accountId);
        const v1 = await store.createUser(doc, null);
        const v2 = await store.updateUser({ ...doc, first_name: 'Augusta' }, v1.rev);
        assert.match(v2.rev, /^2-[0-9a-f]+$/);
        assert.notEqual(v2.rev, v1.rev);
        assert.equal(v2.created, v1.created);
        assert.ok(v2.modified >= v1.modified);
        assert.equal(v2.doc.first_name, 'Augusta');
        assert.deepEqual(await store.getUser(accountId, doc.id), v2);

        await rejectsWith('conflict', store.updateUser({ ...doc, first_name: 'Stale' }, v1.rev));
        assert.equal((await store.getUser(accountId, doc.id))?.doc.first_name, 'Augusta');

        const v3 = await store.updateUser({ ...doc, first_name: 'Unchecked' }, null);
        assert.match(v3.rev, /^3-[0-9a-f]+$/);
        assert.equal((await store.getUser(accountId, doc.id))?.rev, v3.rev);
      });

      it('update: not_found for a missing user or another account, conflict on a taken username', async function () {
        await rejectsWith('not_found', store.updateUser(makeUser(accountId), null));
        const a = makeUser(accountId, { username: 'alpha' });
        const b = makeUser(accountId, { username: 'beta' });
        await store.createUser(a, null);
        const bStored = await store.createUser(b, null);
        await rejectsWith('not_found', store.updateUser({ ...a, account_id: newId() }, null));
        await rejectsWith('conflict', store.updateUser({ ...b, username: 'ALPHA' }, bStored.rev));
        assert.deepEqual(await store.getUser(accountId, b.id), bStored);
        // renaming frees the old username and takes the new one
        await store.updateUser({ ...b, username: 'gamma' }, bStored.rev);
        assert.equal(await store.getUserByUsername(accountId, 'beta'), null);
        assert.equal((await store.getUserByUsername(accountId, 'GAMMA'))?.doc.id, b.id);
        await store.createUser(makeUser(accountId, { username: 'beta' }), null);
      });

      it('credentials: found by bucket, kept, replaced or cleared on update', async function () {
        const doc = makeUser(accountId);
        const v1 = await store.createUser(doc, { bucket: 'a1b2', hash: 'scrypt$one' });
        let found = await store.findUsersByCredentialBucket(accountId, 'a1b2');
        assert.equal(found.length, 1);
        assert.equal(found[0]?.hash, 'scrypt$one');
        assert.deepEqual(found[0]?.user, v1);
        assert.deepEqual(await store.findUsersByCredentialBucket(newId(), 'a1b2'), []);

        const v2 = await store.updateUser({ ...doc, last_name: 'Byron' }, v1.rev); // creds undefined: keep
        found = await store.findUsersByCredentialBucket(accountId, 'a1b2');
        assert.equal(found[0]?.hash, 'scrypt$one');
        assert.equal(found[0]?.user.doc.last_name, 'Byron');

        const v3 = await store.updateUser(doc, v2.rev, { bucket: 'c3d4', hash: 'scrypt$two' });
        assert.deepEqual(await store.findUsersByCredentialBucket(accountId, 'a1b2'), []);
        found = await store.findUsersByCredentialBucket(accountId, 'c3d4');
        assert.deepEqual(
          found.map((f) => f.hash),
          ['scrypt$two'],
        );

        await store.updateUser(doc, v3.rev, null); // clear
        assert.deepEqual(await store.findUsersByCredentialBucket(accountId, 'c3d4'), []);
      });

      it('credentials never appear in user reads', async function () {
        const doc = makeUser(accountId, { username: 'secretive' });
        const creds = { bucket: 'f00d', hash: 'scrypt$N=16384$SECRET-HASH-VALUE' };
        const created = await store.createUser(doc, creds);
        const updated = await store.updateUser({ ...doc, first_name: 'Kept' }, created.rev);
        const reads: unknown[] = [
          created,
          updated,
          await store.getUser(accountId, doc.id),
          await store.getUserByUsername(accountId, 'secretive'),
          await store.listUsers(accountId),
          await store.listUsers(accountId, { qubicleOnly: true }),
          (await store.findUsersByCredentialBucket(accountId, 'f00d')).map((f) => f.user),
        ];
        for (const read of reads) {
          const text = JSON.stringify(read);
          assert.ok(text.includes(doc.id), 'the read returned the user');
          assert.ok(!text.includes('SECRET-HASH-VALUE'), `hash leaked in ${text}`);
          assert.ok(!text.includes('f00d'), `bucket leaked in ${text}`);
        }
        const single = await store.getUser(accountId, doc.id);
        assert.deepEqual(Object.keys(single ?? {}).sort(), ['created', 'doc', 'modified', 'rev']);
      });

      it('deletes', async function () {
        const doc = makeUser(accountId, { username: 'gone' });
        await store.createUser(doc, { bucket: 'abcd', hash: 'h' });
        assert.equal(await store.deleteUser(newId(), doc.id), false, 'not from another account');
        assert.equal(await store.deleteUser(accountId, doc.id), true);
        assert.equal(await store.deleteUser(accountId, doc.id), false);
        assert.equal(await store.getUser(accountId, doc.id), null);
        assert.deepEqual(await store.findUsersByCredentialBucket(accountId, 'abcd'), []);
        await store.createUser(makeUser(accountId, { username: 'GONE' }), null); // the username is free again
      });

      it('lists in a stable order and filters qubicle recipients', async function () {
        const other = newId();
        const ids = [newId(), newId()].sort();
        const docs = [
          makeUser(accountId, { last_name: 'Turing', first_name: 'Alan', qubicle: { enabled: false, permissions: { monitor: false } } }),
          makeUser(accountId, { last_name: 'hopper', first_name: 'Grace' }),
          makeUser(accountId, { id: ids[1], last_name: 'Hopper', first_name: 'Anne' }),
          makeUser(accountId, { id: ids[0], last_name: 'Hopper', first_name: 'Anne' }),
          makeUser(accountId, { last_name: 'Babbage', first_name: 'Charles', qubicle: { enabled: false, permissions: { monitor: true } } }),
          makeUser(other, { last_name: 'Aaron', first_name: 'Other' }),
        ];
        for (const d of docs) await store.createUser(d, null);
        const all = await store.listUsers(accountId);
        assert.deepEqual(names(all), ['Babbage/Charles', 'Hopper/Anne', 'Hopper/Anne', 'hopper/Grace', 'Turing/Alan']);
        assert.deepEqual(
          all.filter((u) => u.doc.first_name === 'Anne').map((u) => u.doc.id),
          ids,
          'ties broken by id',
        );
        const recipients = await store.listUsers(accountId, { qubicleOnly: true });
        assert.deepEqual(names(recipients), ['Hopper/Anne', 'Hopper/Anne', 'hopper/Grace']);
        assert.deepEqual(names(await store.listUsers(other)), ['Aaron/Other']);
        assert.deepEqual(await store.listUsers(newId()), []);
      });

      it('qubicle flag follows updates', async function () {
        const doc = makeUser(accountId, { qubicle: { enabled: false, permissions: { monitor: false } } });
        const v1 = await store.createUser(doc, null);
        assert.equal((await store.listUsers(accountId, { qubicleOnly: true })).length, 0);
        await store.updateUser({ ...doc, qubicle: { enabled: true, permissions: { monitor: false } } }, v1.rev);
        assert.deepEqual(
          (await store.listUsers(accountId, { qubicleOnly: true })).map((u) => u.doc.id),
          [doc.id],
        );
      });
    });

    describe('recipients', function () {
      const acc = newId();

      it('saves, loads, overwrites', async function () {
        const fence = await own(store, 3, 'node-a', 1000);
        const r = newId();
        const state = makeState(acc, r, {
          availability_state: 'Ready',
          queue_availability: { [newId()]: false },
          recent_commands: [{ id: 'cmd-1', reply: { ok: true, nested: [1, 'two'] } }],
        });
        const before = Date.now();
        await store.saveRecipients([{ state, shard: 3 }], fence);
        const loaded = await store.loadRecipient(acc, r);
        assert.ok(loaded);
        assert.deepEqual(loaded.state, state);
        assert.equal(loaded.shard, 3);
        assert.equal(loaded.epoch, fence.epoch);
        assert.ok(loaded.updated >= before && loaded.updated <= Date.now() + 1);

        const next = { ...state, availability_state: 'Away' as const, seq: 2 };
        await store.saveRecipients([{ state: next, shard: 3 }], fence);
        assert.deepEqual((await store.loadRecipient(acc, r))?.state, next);
        assert.equal(await store.loadRecipient(acc, newId()), null);
        assert.equal(await store.loadRecipient(newId(), r), null);
      });

      it('lists by shard, counts, deletes', async function () {
        const f1 = await own(store, 1, 'node-a', 1000);
        const f2 = await own(store, 2, 'node-a', 1000);
        const ids = [newId(), newId(), newId()].sort();
        await store.saveRecipients(
          [
            { state: makeState(acc, ids[2] as string), shard: 1 },
            { state: makeState(acc, ids[0] as string), shard: 1 },
          ],
          f1,
        );
        await store.saveRecipients([{ state: makeState(acc, ids[1] as string), shard: 2 }], f2);

        const shard1 = await store.listRecipientsByShard(1);
        assert.deepEqual(
          shard1.map((s) => s.state.recipient_id),
          [ids[0], ids[2]],
        );
        assert.ok(shard1.every((s) => s.shard === 1 && s.epoch === f1.epoch));
        assert.deepEqual(
          (await store.listRecipientsByShard(2)).map((s) => s.state.recipient_id),
          [ids[1]],
        );
        assert.deepEqual(await store.listRecipientsByShard(9), []);
        assert.deepEqual(
          [...(await store.countRecipientsByShard()).entries()].sort((a, b) => a[0] - b[0]),
          [
            [1, 2],
            [2, 1],
          ],
        );

        await logout(store, acc, ids[0] as string, 1, f1);
        await logout(store, acc, newId(), 1, f1); // nothing to delete: no error
        assert.equal(await store.loadRecipient(acc, ids[0] as string), null);
        assert.deepEqual(
          (await store.listRecipientsByShard(1)).map((s) => s.state.recipient_id),
          [ids[2]],
        );
        assert.equal((await store.countRecipientsByShard()).get(1), 1);
      });

      it('refuses a write whose shard is not the fence shard', async function () {
        const fence = await own(store, 4, 'node-a', 1000);
        await assert.rejects(store.saveRecipients([{ state: makeState(acc, newId()), shard: 5 }], fence), RangeError);
        assert.deepEqual(await store.listRecipientsByShard(5), []);
      });

      it('refuses writes to a shard that nobody leased', async function () {
        const r = newId();
        await rejectsWith('fenced', store.saveRecipients([{ state: makeState(acc, r), shard: 7 }], { shard: 7, epoch: 1, node: 'node-a' }));
        assert.equal(await store.loadRecipient(acc, r), null);
      });
    });

    describe('outbox and logout', function () {
      const acc = newId();

      it('records a write\'s events with its state, lists them per shard in seq order, deletes up to a seq', async function () {
        const f1 = await own(store, 11, 'node-a', 1000);
        const f2 = await own(store, 12, 'node-a', 1000);
        const [r1, r2, r3] = [newId(), newId(), newId()].sort() as [string, string, string];
        await store.saveRecipients([{ state: makeState(acc, r2, { seq: 11 }), shard: 11, events: [makeEvent(acc, r2, 10), makeEvent(acc, r2, 11)] }], f1);
        await store.saveRecipients(
          [
            { state: makeState(acc, r1, { seq: 5 }), shard: 11, events: [makeEvent(acc, r1, 5, 'create')] },
            { state: makeState(acc, r2, { seq: 12 }), shard: 11, events: [makeEvent(acc, r2, 12)] },
          ],
          f1,
        );
        await store.saveRecipients([{ state: makeState(acc, r3), shard: 12, events: [makeEvent(acc, r3, 1, 'create')] }], f2);
        const listed = await store.listOutbox(11);
        assert.deepEqual(listed.map((e) => `${e.recipient_id}:${e.seq}`), [`${r1}:5`, `${r2}:10`, `${r2}:11`, `${r2}:12`]);
        assert.deepEqual(listed[1], makeEvent(acc, r2, 10), 'an event comes back exactly as written');
        assert.equal((await store.listOutbox(12)).length, 1);
        assert.deepEqual(await store.listOutbox(13), []);

        // up to a seq, for that recipient only; unknown keys are ignored
        await store.deleteOutbox([{ account_id: acc, recipient_id: r2, seq: 11 }, { account_id: acc, recipient_id: newId(), seq: 99 }]);
        assert.deepEqual((await store.listOutbox(11)).map((e) => `${e.recipient_id}:${e.seq}`), [`${r1}:5`, `${r2}:12`]);
        await store.deleteOutbox([
          { account_id: acc, recipient_id: r1, seq: 5 },
          { account_id: acc, recipient_id: r2, seq: 12 },
          { account_id: acc, recipient_id: r3, seq: 1 },
        ]);
        assert.deepEqual(await store.listOutbox(11), []);
        assert.deepEqual(await store.listOutbox(12), []);
        await store.deleteOutbox([]);
        assert.ok(await store.loadRecipient(acc, r2), 'deleting events leaves the state alone');
      });

      it('a fenced write records none of its events; saveRecipientGroups keeps a fenced group\'s events out', async function () {
        const shard = 13;
        const a = await own(store, shard, 'node-a', 1000);
        const r = newId();
        await store.saveRecipients([{ state: makeState(acc, r), shard, events: [makeEvent(acc, r, 1, 'create')] }], a);
        await own(store, shard, 'node-b', 1000 + TTL + 1);
        await rejectsWith('fenced', store.saveRecipients([{ state: makeState(acc, r, { seq: 2 }), shard, events: [makeEvent(acc, r, 2)] }], a));
        assert.deepEqual((await store.listOutbox(shard)).map((e) => e.seq), [1], 'only what committed');
        if (store.saveRecipientGroups) {
          const c = await own(store, 14, 'node-a', 1000);
          const r2 = newId();
          const out = await store.saveRecipientGroups([
            { writes: [{ state: makeState(acc, r, { seq: 3 }), shard, events: [makeEvent(acc, r, 3)] }], fence: a },
            { writes: [{ state: makeState(acc, r2), shard: 14, events: [makeEvent(acc, r2, 1, 'create')] }], fence: c },
          ]);
          assert.equal(out[0]?.kind, 'fenced');
          assert.equal(out[1], null);
          assert.deepEqual((await store.listOutbox(shard)).map((e) => e.seq), [1]);
          assert.deepEqual((await store.listOutbox(14)).map((e) => e.seq), [1]);
        }
      });

      it('logout: the state goes, the tombstone remembers the ids until forget_at, the events and the session are kept', async function () {
        const shard = 15;
        const f = await own(store, shard, 'node-a', 1000);
        const r = newId();
        const state = makeState(acc, r, { seq: 7 });
        await store.saveRecipients([{ state, shard, events: [makeEvent(acc, r, 7)] }], f);
        const session: SessionRecord = {
          account_id: acc,
          recipient_id: r,
          login_session_id: state.login_session_id,
          login_time: 1_700_000_000,
          logout_time: 1_700_000_100,
          stats: { ...state.stats },
          node: 'node-a',
          reason: 'bye',
        };
        const now = 1_700_000_100_000;
        await logout(store, acc, r, shard, f, { events: [makeEvent(acc, r, 8, 'delete')], session, recent_commands: ['cmd-a', 'cmd-b'], forget_at: now + 60_000, now });
        assert.equal(await store.loadRecipient(acc, r), null, 'logged out');
        assert.deepEqual(await store.listRecipientsByShard(shard), [], 'a tombstone is not a logged-in recipient');
        assert.equal((await store.countRecipientsByShard()).get(shard) ?? 0, 0);
        assert.deepEqual(await store.loadLoggedOut(acc, r, now), { recent_commands: ['cmd-a', 'cmd-b'], forget_at: now + 60_000 });
        assert.equal(await store.loadLoggedOut(acc, r, now + 60_000), null, 'forgotten at forget_at');
        assert.equal(await store.loadLoggedOut(acc, newId(), now), null);
        assert.deepEqual((await store.listOutbox(shard)).map((e) => `${e.event}:${e.seq}`), ['ready:7', 'delete:8'], 'the delete event survives the logout');
        assert.deepEqual(await store.listSessions(acc, r, { limit: 10 }), [session], 'the session is in the history');

        // a new login over the tombstone: logged in again, the outbox keeps both sessions' events in order
        await store.saveRecipients([{ state: makeState(acc, r, { seq: 100 }), shard, events: [makeEvent(acc, r, 100, 'create')] }], f);
        assert.equal((await store.loadRecipient(acc, r))?.state.seq, 100);
        assert.deepEqual((await store.listRecipientsByShard(shard)).map((x) => x.state.recipient_id), [r]);
        assert.deepEqual((await store.listOutbox(shard)).map((e) => e.seq), [7, 8, 100]);
        await store.deleteOutbox([{ account_id: acc, recipient_id: r, seq: 8 }]);
        assert.deepEqual((await store.listOutbox(shard)).map((e) => e.seq), [100]);
      });

      it('a logout replaces an earlier tombstone, purges the shard\'s expired ones, and remembers nothing when forget_at is not ahead', async function () {
        const shard = 16;
        const f = await own(store, shard, 'node-a', 1000);
        const [old, r, none] = [newId(), newId(), newId()];
        const t = 1_700_000_000_000;
        await logout(store, acc, old, shard, f, { recent_commands: ['x'], forget_at: t + 10, now: t });
        await logout(store, acc, r, shard, f, { recent_commands: ['a'], forget_at: t + 1_000, now: t });
        await logout(store, acc, r, shard, f, { recent_commands: ['a', 'b'], forget_at: t + 2_000, now: t + 5 });
        assert.deepEqual(await store.loadLoggedOut(acc, r, t + 5), { recent_commands: ['a', 'b'], forget_at: t + 2_000 });
        assert.deepEqual((await store.loadLoggedOut(acc, old, t + 5))?.recent_commands, ['x']);
        // the next logout in the shard after old's forget_at purges it (it is not just hidden)
        await logout(store, acc, none, shard, f, { recent_commands: ['n'], forget_at: t + 20, now: t + 20 });
        assert.equal(await store.loadLoggedOut(acc, none, 0), null, 'forget_at not ahead of now: nothing remembered');
        assert.equal(await store.loadLoggedOut(acc, old, 0), null, 'purged');
        assert.deepEqual((await store.loadLoggedOut(acc, r, t + 20))?.recent_commands, ['a', 'b'], 'a live tombstone stays');
      });
    });

    describe('audit', function () {
      const entry = (acc: string, r: string, seq: number, timestamp: number, actor: AuditEntry['actor'] = { kind: 'user', id: r }): AuditEntry => ({
        account_id: acc,
        recipient_id: r,
        seq,
        timestamp,
        event: 'ready',
        actor,
        from: 'Away',
        to: 'Ready',
        reason: 'why',
      });

      it('entries are written with the state (and a logout), read newest first, filtered and paged', async function () {
        const acc = newId();
        const shard = 21;
        const f = await own(store, shard, 'node-a', 1000);
        const [r1, r2] = [newId(), newId()].sort() as [string, string];
        const boss = { kind: 'user' as const, id: newId() };
        const e1 = entry(acc, r1, 1, 5_000);
        const e2 = entry(acc, r2, 1, 5_000, boss);
        const e3 = { ...entry(acc, r1, 2, 6_000, { kind: 'timer', id: 'wrapup' }), queue_id: newId() };
        await store.saveRecipients([{ state: makeState(acc, r1, { seq: 1 }), shard, events: [makeEvent(acc, r1, 1)], audit: [e1] }], f);
        await store.saveRecipients([{ state: makeState(acc, r2, { seq: 1 }), shard, events: [makeEvent(acc, r2, 1)], audit: [e2] }], f);
        await logout(store, acc, r1, shard, f, { events: [makeEvent(acc, r1, 2, 'delete')], audit: [e3] });
        assert.deepEqual(await store.listAudit(acc, { limit: 10 }), [e3, e2, e1], 'newest first; same time: recipient, then seq, descending');
        assert.deepEqual(await store.listAudit(acc, { limit: 10, recipient_id: r1 }), [e3, e1]);
        assert.deepEqual(await store.listAudit(acc, { limit: 10, actor: boss }), [e2]);
        assert.deepEqual(await store.listAudit(acc, { limit: 10, actor: { kind: 'timer', id: 'wrapup' } }), [e3]);
        assert.deepEqual(await store.listAudit(acc, { limit: 10, from: 5_001 }), [e3]);
        assert.deepEqual(await store.listAudit(acc, { limit: 10, to: 5_000 }), [e2, e1]);
        assert.deepEqual(await store.listAudit(acc, { limit: 1, start: e2 }), [e2], 'the page starts at the cursor, inclusive');
        assert.deepEqual(await store.listAudit(acc, { limit: 10, start: e2 }), [e2, e1]);
        assert.deepEqual(await store.listAudit(acc, { limit: 0 }), []);
        assert.deepEqual(await store.listAudit(newId(), { limit: 10 }), [], 'another account sees none');
        // written again (a redelivered write): replaced, not doubled
        await store.saveRecipients([{ state: makeState(acc, r2, { seq: 1 }), shard, audit: [e2] }], f);
        assert.equal((await store.listAudit(acc, { limit: 10, recipient_id: r2 })).length, 1);
      });

      it('a fenced write writes none of its entries', async function () {
        const acc = newId();
        const shard = 22;
        const a = await own(store, shard, 'node-a', 1000);
        const r = newId();
        await own(store, shard, 'node-b', 1000 + TTL + 1);
        await rejectsWith('fenced', store.saveRecipients([{ state: makeState(acc, r), shard, events: [makeEvent(acc, r, 1)], audit: [entry(acc, r, 1, 1)] }], a));
        await rejectsWith('fenced', logout(store, acc, r, shard, a, { audit: [entry(acc, r, 2, 2)] }));
        assert.deepEqual(await store.listAudit(acc, { limit: 10 }), []);
      });

      it('pruneAudit deletes at most `limit` entries older than `before`', async function () {
        const acc = newId();
        const shard = 23;
        const f = await own(store, shard, 'node-a', 1000);
        const r = newId();
        const old = [1, 2, 3].map((seq) => entry(acc, r, seq, 100 + seq));
        const recent = entry(acc, r, 4, 10_000);
        await store.saveRecipients([{ state: makeState(acc, r, { seq: 4 }), shard, audit: [...old, recent] }], f);
        assert.equal(await store.pruneAudit(1_000, 2), 2);
        assert.equal(await store.pruneAudit(1_000, 2), 1);
        assert.equal(await store.pruneAudit(1_000, 2), 0);
        assert.deepEqual(await store.listAudit(acc, { limit: 10 }), [recent]);
      });
    });

    describe('fencing', function () {
      const acc = newId();

      it('a stale owner cannot write or delete after another node took over and claimed', async function () {
        const shard = 5;
        const a = await own(store, shard, 'node-a', 1000);
        assert.equal(a.epoch, 1);
        const r1 = newId();
        const r2 = newId();
        const original = makeState(acc, r1, { seq: 1 });
        await store.saveRecipients([{ state: original, shard }], a);

        assert.equal(await store.tryAcquireLease(shard, 'node-b', TTL, 1000 + TTL - 1), null, 'still valid');
        const b = await own(store, shard, 'node-b', 1000 + TTL + 1); // after expiry
        assert.equal(b.epoch, 2);
        assert.equal((await store.loadRecipient(acc, r1))?.epoch, 2, 'claimShard stamps the new epoch');

        await rejectsWith(
          'fenced',
          store.saveRecipients(
            [
              { state: makeState(acc, r2), shard },
              { state: { ...original, seq: 99 }, shard },
            ],
            a,
          ),
        );
        assert.deepEqual((await store.loadRecipient(acc, r1))?.state, original, 'nothing written');
        assert.equal(await store.loadRecipient(acc, r2), null, 'nothing written');

        await rejectsWith('fenced', logout(store, acc, r1, shard, a, { events: [makeEvent(acc, r1, 50, 'delete')], recent_commands: ['c1'], forget_at: 1e15 }));
        assert.ok(await store.loadRecipient(acc, r1), 'not deleted');
        assert.equal(await store.loadLoggedOut(acc, r1, 1), null, 'no tombstone');
        assert.deepEqual(await store.listOutbox(shard), [], 'no event recorded by a fenced write');

        // the new owner writes and deletes normally
        await store.saveRecipients([{ state: { ...original, seq: 2 }, shard }], b);
        assert.equal((await store.loadRecipient(acc, r1))?.state.seq, 2);
        await logout(store, acc, r1, shard, b);
        assert.equal(await store.loadRecipient(acc, r1), null);
      });

      it('the same node re-acquiring after a release fences its own old epoch', async function () {
        const shard = 6;
        const first = await own(store, shard, 'node-a', 1000);
        await store.releaseLease(shard, 'node-a', first.epoch);
        const r = newId();
        await rejectsWith('fenced', store.saveRecipients([{ state: makeState(acc, r), shard }], first));
        const second = await own(store, shard, 'node-a', 2000);
        assert.equal(second.epoch, first.epoch + 1);
        await rejectsWith('fenced', store.saveRecipients([{ state: makeState(acc, r), shard }], first));
        assert.equal(await store.loadRecipient(acc, r), null);
        await store.saveRecipients([{ state: makeState(acc, r), shard }], second);
        assert.equal((await store.loadRecipient(acc, r))?.epoch, second.epoch);
      });

      it('an owner whose lease expired but was not taken over may still write', async function () {
        const shard = 8;
        const a = await own(store, shard, 'node-a', 1000);
        const r = newId();
        await store.saveRecipients([{ state: makeState(acc, r), shard }], a); // the store does not look at the clock
        assert.ok(await store.loadRecipient(acc, r));
      });

      it('claimShard is refused to a node that does not hold the lease', async function () {
        await own(store, 9, 'node-a', 1000);
        await rejectsWith('fenced', store.claimShard(9, { shard: 9, epoch: 1, node: 'node-b' }));
        await rejectsWith('fenced', store.claimShard(10, { shard: 10, epoch: 1, node: 'node-b' }));
      });
    });

    describe('leases', function () {
      it('acquires a free lease, renews it, refuses a second node while valid', async function () {
        const lease = await store.tryAcquireLease(0, 'node-a', TTL, 1000);
        assert.deepEqual(lease, { shard: 0, owner: 'node-a', epoch: 1, expires_at: 1000 + TTL });

        assert.equal(await store.renewLease(0, 'node-a', 1, TTL, 5000), true);
        assert.deepEqual(await store.listLeases(), [{ shard: 0, owner: 'node-a', epoch: 1, expires_at: 5000 + TTL }]);

        assert.equal(await store.tryAcquireLease(0, 'node-b', TTL, 5000 + TTL), null, 'expires_at itself is still valid');
        assert.deepEqual(await store.listLeases(), [{ shard: 0, owner: 'node-a', epoch: 1, expires_at: 5000 + TTL }]);

        // re-acquiring by the owner is a renew: same epoch
        assert.deepEqual(await store.tryAcquireLease(0, 'node-a', TTL, 6000), {
          shard: 0,
          owner: 'node-a',
          epoch: 1,
          expires_at: 6000 + TTL,
        });
      });

      it('another node takes over after expiry with epoch+1; the old owner can no longer renew or release', async function () {
        await store.tryAcquireLease(1, 'node-a', TTL, 1000);
        const taken = await store.tryAcquireLease(1, 'node-b', TTL, 1000 + TTL + 1);
        assert.deepEqual(taken, { shard: 1, owner: 'node-b', epoch: 2, expires_at: 1000 + 2 * TTL + 1 });
        assert.equal(await store.renewLease(1, 'node-a', 1, TTL, 20_000), false);
        await store.releaseLease(1, 'node-a', 1);
        assert.deepEqual(await store.listLeases(), [taken]);
      });

      it('release keeps the epoch; the next acquire bumps it (even by the same node)', async function () {
        await store.tryAcquireLease(2, 'node-a', TTL, 1000);
        await store.releaseLease(2, 'node-a', 1);
        const [released] = await store.listLeases();
        assert.equal(released?.owner, null);
        assert.equal(released?.epoch, 1);
        assert.equal(await store.renewLease(2, 'node-a', 1, TTL, 1100), false, 'a released lease cannot be renewed');
        const again = await store.tryAcquireLease(2, 'node-a', TTL, 1200);
        assert.equal(again?.epoch, 2);
        await store.releaseLease(2, 'node-a', 2);
        const other = await store.tryAcquireLease(2, 'node-b', TTL, 1300);
        assert.equal(other?.epoch, 3);
        assert.equal(other?.owner, 'node-b');
      });

      it('renew with a stale epoch or by a non-owner is refused', async function () {
        await store.tryAcquireLease(3, 'node-a', TTL, 1000);
        await store.releaseLease(3, 'node-a', 1);
        await store.tryAcquireLease(3, 'node-a', TTL, 2000); // epoch 2
        assert.equal(await store.renewLease(3, 'node-a', 1, TTL, 3000), false);
        assert.equal(await store.renewLease(3, 'node-b', 2, TTL, 3000), false);
        assert.equal(await store.renewLease(4, 'node-a', 1, TTL, 3000), false, 'unknown shard');
        assert.equal(await store.renewLease(3, 'node-a', 2, TTL, 3000), true);
        assert.equal((await store.listLeases())[0]?.expires_at, 3000 + TTL);
      });

      it('lists leases by shard', async function () {
        for (const shard of [12, 3, 7]) await store.tryAcquireLease(shard, `node-${shard}`, TTL, 1000);
        assert.deepEqual(
          (await store.listLeases()).map((l) => [l.shard, l.owner]),
          [
            [3, 'node-3'],
            [7, 'node-7'],
            [12, 'node-12'],
          ],
        );
      });

      it('concurrent acquisitions of one shard: exactly one wins', async function () {
        const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
        const results = await Promise.all(nodes.map((n) => store.tryAcquireLease(11, n, TTL, 1000)));
        const winners = results.filter((r) => r !== null);
        assert.equal(winners.length, 1);
        assert.equal(winners[0]?.epoch, 1);
        assert.deepEqual(await store.listLeases(), winners);
      });
    });

    describe('nodes', function () {
      it('registers, heartbeats (keeping started_at), lists and removes', async function () {
        await store.heartbeatNode('worker-b', { shards: 0 }, 1000);
        await store.heartbeatNode('worker-a', { shards: 0, version: '1' }, 1500);
        await store.heartbeatNode('worker-b', { shards: 4, pid: 42 }, 2000);
        assert.deepEqual(await store.listNodes(), [
          { name: 'worker-a', started_at: 1500, heartbeat_at: 1500, info: { shards: 0, version: '1' } },
          { name: 'worker-b', started_at: 1000, heartbeat_at: 2000, info: { shards: 4, pid: 42 } },
        ]);
        await store.removeNode('worker-a');
        await store.removeNode('unknown');
        assert.deepEqual(
          (await store.listNodes()).map((n) => n.name),
          ['worker-b'],
        );
      });
    });

    describe('sessions', function () {
      const acc = newId();
      const rid = newId();

      function session(logout: number, extra: Partial<SessionRecord> = {}): SessionRecord {
        return {
          account_id: acc,
          recipient_id: rid,
          login_session_id: `s-${logout}`,
          login_time: logout - 50,
          logout_time: logout,
          stats: {
            total_calls: logout / 100,
            missed_calls: 0,
            avg_call_time: 12,
            login_time: logout - 50,
            last_action_time: logout - 1,
            last_handled_time: 0,
          },
          node: 'worker-a',
          ...extra,
        };
      }

      it('lists newest first and pages with before', async function () {
        for (const t of [300, 100, 500, 200, 400]) await store.appendSession(session(t));
        await store.appendSession({ ...session(450), recipient_id: newId() });
        const times = async (opts: { limit: number; before?: number }) =>
          (await store.listSessions(acc, rid, opts)).map((s) => s.logout_time);
        assert.deepEqual(await times({ limit: 10 }), [500, 400, 300, 200, 100]);
        assert.deepEqual(await times({ limit: 2 }), [500, 400]);
        assert.deepEqual(await times({ limit: 2, before: 400 }), [300, 200]);
        assert.deepEqual(await times({ limit: 2, before: 200 }), [100]);
        assert.deepEqual(await times({ limit: 2, before: 100 }), []);
        assert.deepEqual(await times({ limit: 0 }), []);
        assert.deepEqual(await store.listSessions(acc, newId(), { limit: 10 }), []);
      });

      it('keeps every field; reason only when given; the same session appended twice is kept once', async function () {
        const plain = session(100);
        const withReason = session(200, { reason: 'forced_logout' });
        await store.appendSession(plain);
        await store.appendSession(withReason);
        await store.appendSession({ ...withReason, node: 'worker-b' });
        const list = await store.listSessions(acc, rid, { limit: 10 });
        assert.deepEqual(list, [{ ...withReason, node: 'worker-b' }, plain]);
        assert.equal('reason' in (list[1] ?? {}), false);
      });

      it('keeps the time in each state and reason when given, and answers a session without them as it was', async function () {
        const timed = session(300, {
          time_in_state: { ready: 10, away: 25, call_offer: 2, on_a_call: 60, wrapup_time: 15 },
          time_in_reason: { lunch: 20, missed_calls: 5 },
        });
        const untimed = session(200);
        await store.appendSession(timed);
        await store.appendSession(untimed);
        const list = await store.listSessions(acc, rid, { limit: 10 });
        assert.deepEqual(list, [timed, untimed]);
        assert.equal('time_in_state' in (list[1] ?? {}), false);
      });
    });

    describe('queues', function () {
      it('create, get, list by name then id, count; another account sees none of them', async function () {
        const acc = newId();
        const other = newId();
        const b = await store.createQueue(acc, makeQueue({ name: 'billing' }));
        const a = await store.createQueue(acc, makeQueue({ name: 'Accounts' }));
        await store.createQueue(other, makeQueue({ name: 'aaa' }));
        assert.match(b.rev, /^1-[0-9a-f]{32}$/);
        assert.equal(b.account_id, acc);
        assert.deepEqual((await store.getQueue(acc, b.doc.id))?.doc, b.doc);
        assert.equal(await store.getQueue(other, b.doc.id), null, 'a queue is read in its own account only');
        assert.deepEqual((await store.listQueues(acc)).map((q) => q.doc.name), ['Accounts', 'billing']);
        assert.equal(await store.countQueues(acc), 2);
        assert.equal(await store.countQueues(newId()), 0);
        assert.deepEqual(await store.getRoster(acc, a.doc.id), [], 'a new queue has an empty roster');
        assert.deepEqual(await store.getQueueRoles(acc, a.doc.id), { managers: [] }, 'and no managers');
      });

      it('a queue id is unique across accounts (conflict)', async function () {
        const doc = makeQueue();
        await store.createQueue(newId(), doc);
        await rejectsWith('conflict', store.createQueue(newId(), doc));
      });

      it('update: a new rev, created kept, stale rev → conflict, unknown → not_found; roster and roles kept', async function () {
        const acc = newId();
        const agent = newId();
        const q = await store.createQueue(acc, makeQueue({ name: 'one' }));
        await store.setRoster(acc, q.doc.id, [agent]);
        await store.setQueueRoles(acc, q.doc.id, { managers: [agent] });
        const next = await store.updateQueue(acc, { ...q.doc, name: 'two', ring_timeout: 30 }, q.rev);
        assert.match(next.rev, /^2-[0-9a-f]{32}$/);
        assert.equal(next.created, q.created);
        assert.equal((await store.getQueue(acc, q.doc.id))?.doc.name, 'two');
        await rejectsWith('conflict', store.updateQueue(acc, { ...q.doc, name: 'three' }, q.rev));
        const forced = await store.updateQueue(acc, { ...q.doc, name: 'four' }, null);
        assert.match(forced.rev, /^3-/);
        await rejectsWith('not_found', store.updateQueue(newId(), { ...q.doc, name: 'x' }, null));
        await rejectsWith('not_found', store.updateQueue(acc, makeQueue(), null));
        assert.deepEqual(await store.getRoster(acc, q.doc.id), [agent]);
        assert.deepEqual(await store.getQueueRoles(acc, q.doc.id), { managers: [agent] });
      });

      it('a roster is replaced whole, answered sorted without duplicates; an unknown queue → null / not_found', async function () {
        const acc = newId();
        const q = await store.createQueue(acc, makeQueue());
        const [x, y, z] = [newId(), newId(), newId()].sort() as [string, string, string];
        assert.deepEqual(await store.setRoster(acc, q.doc.id, [z, x, z]), [x, z]);
        assert.deepEqual(await store.getRoster(acc, q.doc.id), [x, z]);
        assert.deepEqual(await store.setRoster(acc, q.doc.id, [y]), [y], 'the old members are gone');
        assert.deepEqual(await store.getRoster(acc, q.doc.id), [y]);
        assert.deepEqual(await store.setRoster(acc, q.doc.id, []), []);
        assert.deepEqual(await store.getRoster(acc, q.doc.id), []);
        assert.equal(await store.getRoster(acc, newId()), null);
        assert.equal(await store.getRoster(newId(), q.doc.id), null, 'not through another account');
        await rejectsWith('not_found', store.setRoster(acc, newId(), [x]));
        await rejectsWith('not_found', store.setRoster(newId(), q.doc.id, [x]));
      });

      it('a roster of 10,000 members round-trips', async function () {
        this.timeout(20_000);
        const acc = newId();
        const q = await store.createQueue(acc, makeQueue());
        const ids = Array.from({ length: 10_000 }, () => newId());
        await store.setRoster(acc, q.doc.id, ids);
        assert.deepEqual(await store.getRoster(acc, q.doc.id), [...ids].sort());
      });

      it('rosters of all queues, and each recipient\'s queues', async function () {
        const acc = newId();
        const [a, b] = [await store.createQueue(acc, makeQueue({ name: 'A' })), await store.createQueue(acc, makeQueue({ name: 'B' }))];
        const empty = await store.createQueue(acc, makeQueue({ name: 'C' }));
        await store.createQueue(newId(), makeQueue({ name: 'elsewhere' }));
        const [x, y, nobody] = [newId(), newId(), newId()];
        await store.setRoster(acc, a.doc.id, [x, y]);
        await store.setRoster(acc, b.doc.id, [x]);
        assert.deepEqual(await store.listRosters(acc), { [a.doc.id]: [x, y].sort(), [b.doc.id]: [x], [empty.doc.id]: [] });
        assert.deepEqual(Object.keys(await store.listRosters(acc)), [a.doc.id, b.doc.id, empty.doc.id], 'in the list order');
        assert.deepEqual(await store.listMembership(acc, [x, nobody]), { [x]: [a.doc.id, b.doc.id].sort(), [nobody]: [] });
        assert.deepEqual(await store.listMembership(acc), { [x]: [a.doc.id, b.doc.id].sort(), [y]: [a.doc.id] });
        assert.deepEqual(await store.listMembership(newId(), [x]), { [x]: [] }, 'not through another account');
        assert.deepEqual(await store.listRosters(newId()), {});
      });

      it('roles are replaced, sorted without duplicates; an unknown queue → null / not_found', async function () {
        const acc = newId();
        const q = await store.createQueue(acc, makeQueue());
        const [m1, m2] = [newId(), newId()].sort() as [string, string];
        assert.deepEqual(await store.setQueueRoles(acc, q.doc.id, { managers: [m2, m1, m2] }), { managers: [m1, m2] });
        assert.deepEqual(await store.getQueueRoles(acc, q.doc.id), { managers: [m1, m2] });
        assert.deepEqual(await store.setQueueRoles(acc, q.doc.id, { managers: [] }), { managers: [] });
        assert.equal(await store.getQueueRoles(acc, newId()), null);
        assert.equal(await store.getQueueRoles(newId(), q.doc.id), null);
        await rejectsWith('not_found', store.setQueueRoles(acc, newId(), { managers: [m1] }));
      });

      it('deleting a queue deletes its roster and roles, and only in its own account', async function () {
        const acc = newId();
        const q = await store.createQueue(acc, makeQueue());
        const keep = await store.createQueue(acc, makeQueue());
        const x = newId();
        await store.setRoster(acc, q.doc.id, [x]);
        await store.setRoster(acc, keep.doc.id, [x]);
        await store.setQueueRoles(acc, q.doc.id, { managers: [x] });
        assert.equal(await store.deleteQueue(newId(), q.doc.id), false, 'another account cannot delete it');
        assert.equal(await store.deleteQueue(acc, q.doc.id), true);
        assert.equal(await store.deleteQueue(acc, q.doc.id), false);
        assert.equal(await store.getQueue(acc, q.doc.id), null);
        assert.equal(await store.getRoster(acc, q.doc.id), null);
        assert.equal(await store.getQueueRoles(acc, q.doc.id), null);
        assert.deepEqual(await store.listMembership(acc, [x]), { [x]: [keep.doc.id] }, 'the member is on the other queue only');
        // the same id again starts with nothing
        await store.createQueue(acc, q.doc);
        assert.deepEqual(await store.getRoster(acc, q.doc.id), []);
        assert.deepEqual(await store.getQueueRoles(acc, q.doc.id), { managers: [] });
      });

      it('forgetQueueMember takes a user off every roster and manager list of that account only', async function () {
        const acc = newId();
        const other = newId();
        const [a, b] = [await store.createQueue(acc, makeQueue()), await store.createQueue(acc, makeQueue())];
        const elsewhere = await store.createQueue(other, makeQueue());
        const [gone, stays] = [newId(), newId()];
        await store.setRoster(acc, a.doc.id, [gone, stays]);
        await store.setRoster(acc, b.doc.id, [gone]);
        await store.setRoster(other, elsewhere.doc.id, [gone]);
        await store.setQueueRoles(acc, a.doc.id, { managers: [gone, stays] });
        await store.setQueueRoles(acc, b.doc.id, { managers: [stays] });
        await store.forgetQueueMember(acc, gone);
        await store.forgetQueueMember(acc, gone);
        assert.deepEqual(await store.getRoster(acc, a.doc.id), [stays]);
        assert.deepEqual(await store.getRoster(acc, b.doc.id), []);
        assert.deepEqual(await store.getQueueRoles(acc, a.doc.id), { managers: [stays] });
        assert.deepEqual(await store.getQueueRoles(acc, b.doc.id), { managers: [stays] });
        assert.deepEqual(await store.getRoster(other, elsewhere.doc.id), [gone], 'another account is untouched');
      });

      it('documents are stored as given (pass-through fields too) and never shared with the caller', async function () {
        const acc = newId();
        const doc = makeQueue({ hold_treatment: 'media-1', timeout_redirect: newId(), kazoo_extra: { a: [1, 2] } });
        const created = await store.createQueue(acc, doc);
        (doc as Record<string, unknown>)['name'] = 'mutated after';
        assert.notEqual((await store.getQueue(acc, created.doc.id))?.doc.name, 'mutated after');
        assert.deepEqual((await store.getQueue(acc, created.doc.id))?.doc['kazoo_extra'], { a: [1, 2] });
      });
    });

    describe('deleted auth tokens', function () {
      it('a revoked jti is revoked until its expiry, and only that jti', async function () {
        const jti = `jti-${newId()}`;
        assert.equal(await store.isTokenRevoked(jti, 1_000), false);
        await store.revokeToken(jti, 5_000, 1_000);
        assert.equal(await store.isTokenRevoked(jti, 1_000), true);
        assert.equal(await store.isTokenRevoked(jti, 4_999), true);
        assert.equal(await store.isTokenRevoked(jti, 5_000), false, 'expired at its exp');
        assert.equal(await store.isTokenRevoked(`jti-${newId()}`, 1_000), false);
      });

      it('is idempotent and keeps the later expiry', async function () {
        const jti = `jti-${newId()}`;
        await store.revokeToken(jti, 5_000, 1_000);
        await store.revokeToken(jti, 3_000, 1_000);
        assert.equal(await store.isTokenRevoked(jti, 4_000), true, 'an earlier expiry does not shorten it');
        await store.revokeToken(jti, 9_000, 2_000);
        assert.equal(await store.isTokenRevoked(jti, 8_000), true, 'a later one extends it');
      });

      it('expired records do not hide later revocations of other tokens', async function () {
        const old = `jti-${newId()}`;
        const fresh = `jti-${newId()}`;
        await store.revokeToken(old, 2_000, 1_000);
        await store.revokeToken(fresh, 20_000, 10_000);
        assert.equal(await store.isTokenRevoked(old, 10_000), false);
        assert.equal(await store.isTokenRevoked(fresh, 10_000), true);
      });
    });
  });
}
