import assert from 'node:assert/strict';
import { StoreError } from '../../src/store/port.js';
import { AuditPruner } from '../../src/actor/audit-pruner.js';
import { ManualClock } from '../../src/clock.js';
import { actorHarness } from '../support/actor-harness.js';
import { ACCOUNT, RECIPIENT, T0, cmd } from '../support/machine-fixtures.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { captureLogger } from '../support/logger.js';

const BOSS = 'b'.repeat(32);

describe('actor: the audit trail is written with the change', () => {
  it('each applied change writes one entry per event, with actor, from/to and reason; a logout\'s too', async () => {
    const h = actorHarness();
    await h.registry.dispatch(ACCOUNT, RECIPIENT, { ...cmd({ type: 'login' }), by: { user_id: RECIPIENT, priv_level: 'user' } });
    await h.registry.dispatch(ACCOUNT, RECIPIENT, { ...cmd({ type: 'set_status', status: 'ready' }), by: { user_id: BOSS, priv_level: 'admin' }, audit_reason: 'shift starts' });
    await h.registry.dispatch(ACCOUNT, RECIPIENT, { ...cmd({ type: 'logout' }), by: { user_id: BOSS, priv_level: 'admin' }, audit_reason: 'went home' });
    const entries = await h.store.listAudit(ACCOUNT, { limit: 10, recipient_id: RECIPIENT });
    assert.deepEqual(
      entries.map((e) => [e.event, `${e.actor.kind}:${e.actor.id}`, e.from, e.to, e.reason]),
      [
        ['delete', `user:${BOSS}`, 'Ready', 'Not-Logged-In', 'went home'],
        ['ready', `user:${BOSS}`, 'Away', 'Ready', 'shift starts'],
        ['create', `user:${RECIPIENT}`, 'Not-Logged-In', 'Away', undefined],
      ],
    );
  });

  it('a change whose write failed has no entry; a refusal and a duplicate write none', async () => {
    const h = actorHarness();
    const login = cmd({ type: 'login' });
    await h.registry.dispatch(ACCOUNT, RECIPIENT, login);
    h.store.failNext('saveRecipients', new StoreError('unavailable', 'down'));
    const failed = await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'set_status', status: 'ready' }));
    assert.equal(failed.ok, false);
    await h.registry.dispatch(ACCOUNT, RECIPIENT, cmd({ type: 'wrapup_cancel' })); // refused: not in wrap-up
    await h.registry.dispatch(ACCOUNT, RECIPIENT, login); // duplicate
    assert.deepEqual((await h.store.listAudit(ACCOUNT, { limit: 10 })).map((e) => e.event), ['create']);
  });
});

describe('AuditPruner: retention off the command path', () => {
  it('deletes what is past the retention in batches until a batch is not full; 0 retention never runs', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStore({ clock });
    const entries = Array.from({ length: 7 }, (_, i) => ({
      account_id: ACCOUNT,
      recipient_id: RECIPIENT,
      seq: i + 1,
      timestamp: T0 - 10_000 + i,
      event: 'ready' as const,
      actor: { kind: 'user' as const, id: RECIPIENT },
      from: 'Away' as const,
      to: 'Ready' as const,
    }));
    for (const e of entries) store.tables.audit.set(`${e.account_id}/${e.recipient_id}/${e.seq}`, e);
    const calls: number[] = [];
    const counting = { pruneAudit: async (before: number, limit: number) => { const n = await store.pruneAudit(before, limit); calls.push(n); return n; } };
    const pruner = new AuditPruner({ store: counting, clock, logger: captureLogger(), retentionMs: 5_000, batch: 3 });
    assert.equal(await pruner.runOnce(), 7);
    assert.deepEqual(calls, [3, 3, 1], 'small batches, stopped at the first one not full');
    assert.equal(store.tables.audit.size, 0);

    const never = new AuditPruner({ store: counting, clock, logger: captureLogger(), retentionMs: 0 });
    never.start();
    clock.advance(86_400_000);
    await never.stop();
    assert.deepEqual(calls, [3, 3, 1], 'no run with retention 0');
  });
});
