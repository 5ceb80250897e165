import { strict as assert } from 'node:assert';
import { QUEUE_DEFAULTS, normaliseQueueWrite, patchQueueDoc, queueDocSchema, validateQueuePatchBody, validateQueueWriteBody, validator } from '@qubicle/contracts';

const Q = 'c0000000000000000000000000000001';
const Q2 = 'c0000000000000000000000000000002';
const A = 'a0000000000000000000000000000001';

function ok<T>(v: { ok: boolean; value?: T; details?: unknown }): T {
  assert.equal(v.ok, true, `expected success, got ${JSON.stringify(v.details)}`);
  return v.value as T;
}
function details(v: { ok: boolean; details?: unknown }): any {
  assert.equal(v.ok, false, 'expected a validation failure');
  return v.details;
}
const validateAnswer = validator(queueDocSchema);

describe('contracts: queue document', () => {
  it('a minimal write gets every default, answered with the current names', () => {
    const doc = ok(normaliseQueueWrite({ name: 'Sales' }));
    assert.deepEqual(doc, {
      name: 'Sales',
      queue_type: 'queue_basic',
      queue_router: 'route_round_robin',
      ring_timeout: 20,
      agent_wrapup_time: 0,
      timeout: 600,
      tick_time: 1000,
      timeout_if_size_exceeds: 0,
      timeout_immediately_if_empty: false,
      force_away_on_reject: false,
      service_level_seconds: 20,
    });
    assert.deepEqual({ ...QUEUE_DEFAULTS, name: 'Sales' }, doc);
    assert.ok(validateAnswer({ id: Q, ...doc }).ok);
  });

  it('older names are accepted and answered under the current ones', () => {
    const doc = ok(normaliseQueueWrite({ queue_name: 'Support', agent_connect_timeout: 15, queue_timeout: 3600 }));
    assert.equal(doc.name, 'Support');
    assert.equal(doc.ring_timeout, 15);
    assert.equal(doc.timeout, 3600);
    for (const old of ['queue_name', 'agent_connect_timeout', 'queue_timeout']) assert.equal(old in doc, false, old);
    assert.ok(validateAnswer({ id: Q, ...doc }).ok);
  });

  it('an older and a current name with the same value: fine', () => {
    assert.equal(ok(normaliseQueueWrite({ name: 'X', queue_name: 'X', ring_timeout: 9, agent_connect_timeout: 9 })).ring_timeout, 9);
  });

  it('an older and a current name that differ: a conflict detail on the older name, with both names', () => {
    const d = details(normaliseQueueWrite({ name: 'X', queue_name: 'Y', timeout: 60, queue_timeout: 90 }));
    assert.equal(d.queue_name.conflict.cause, 'Y');
    assert.equal(d.queue_name.conflict.target, 'name');
    assert.match(d.queue_name.conflict.message, /older name of name/);
    assert.equal(d.queue_timeout.conflict.target, 'timeout');
  });

  it('no name under either name: name.required', () => {
    assert.ok(details(normaliseQueueWrite({ ring_timeout: 5 })).name.required);
  });

  it('bounds: every bad field at once, as Crossbar details (field, rule, cause)', () => {
    const d = details(
      normaliseQueueWrite({
        name: '',
        ring_timeout: 0,
        agent_wrapup_time: -1,
        timeout: 9,
        tick_time: 249,
        timeout_if_size_exceeds: -1,
        queue_router: 'route_random',
        queue_type: 'queue_fancy',
        timeout_immediately_if_empty: 'yes',
        force_away_on_reject: 1,
        timeout_redirect: 'nope',
        service_level_seconds: 0,
      }),
    );
    assert.ok(d.name.minLength);
    assert.equal(d.ring_timeout.minimum.cause, 0);
    assert.equal(d.agent_wrapup_time.minimum.target, 0);
    assert.equal(d.timeout.minimum.target, 10);
    assert.equal(d.tick_time.minimum.target, 250);
    assert.ok(d.timeout_if_size_exceeds.minimum);
    assert.equal(d.queue_router.enum.cause, 'route_random');
    assert.ok(d.queue_type.enum);
    assert.ok(d.timeout_immediately_if_empty.type);
    assert.ok(d.force_away_on_reject.type);
    assert.ok(d.timeout_redirect.pattern);
    assert.ok(d.service_level_seconds.minimum);
  });

  it('the older names have the same bounds', () => {
    const d = details(normaliseQueueWrite({ queue_name: 'x'.repeat(129), agent_connect_timeout: 0, queue_timeout: 5 }));
    assert.ok(d.queue_name.maxLength);
    assert.ok(d.agent_connect_timeout.minimum);
    assert.ok(d.queue_timeout.minimum);
  });

  it('a queue cannot overflow into itself', () => {
    assert.ok(details(normaliseQueueWrite({ name: 'X', timeout_redirect: Q }, { queue_id: Q })).timeout_redirect.not_self);
    assert.equal(ok(normaliseQueueWrite({ name: 'X', timeout_redirect: Q2 }, { queue_id: Q })).timeout_redirect, Q2);
  });

  it('read-only id/account_id: dropped when they echo this queue/account, refused otherwise; pvt_ refused; ui_metadata dropped', () => {
    const doc = ok(normaliseQueueWrite({ name: 'X', id: Q, account_id: A, ui_metadata: { ui: 'monster' } }, { queue_id: Q, account_id: A }));
    assert.equal('id' in doc || 'account_id' in doc || 'ui_metadata' in doc, false);
    const d = details(normaliseQueueWrite({ name: 'X', id: Q2, account_id: 'other', pvt_type: 'x' }, { queue_id: Q, account_id: A }));
    assert.equal(d.id.read_only.cause, Q2);
    assert.ok(d.account_id.read_only && d.pvt_type.read_only);
  });

  it('unknown KAZOO fields pass through after the known ones', () => {
    const doc = ok(normaliseQueueWrite({ name: 'X', announcements: { interval: 30 }, hold_treatment: 'media-1' }));
    assert.deepEqual(doc['announcements'], { interval: 30 });
    assert.equal(doc.hold_treatment, 'media-1');
    assert.deepEqual(Object.keys(doc).slice(-1), ['announcements']);
  });

  it('the body validator checks the envelope (data required) and accepts KAZOO extras beside data', () => {
    assert.ok(details(validateQueueWriteBody({ name: 'X' })).data.required);
    const body = ok(validateQueueWriteBody({ data: { queue_name: 'X', ui_metadata: {} }, accept_charges: true }));
    assert.equal(body.data.name, 'X');
  });

  describe('patch', () => {
    const stored = ok(normaliseQueueWrite({ name: 'Sales', timeout_redirect: Q2, ring_timeout: 30 }));

    it('changes only what it names (older names too) and keeps the rest', () => {
      const doc = ok(patchQueueDoc(stored, { agent_connect_timeout: 12 }));
      assert.equal(doc.ring_timeout, 12);
      assert.equal(doc.name, 'Sales');
      assert.equal(doc.timeout_redirect, Q2);
    });

    it('null clears an optional field', () => {
      assert.equal('timeout_redirect' in ok(patchQueueDoc(stored, { timeout_redirect: null })), false);
    });

    it('cannot leave an invalid document: a bad field, a conflict, an empty patch are refused', () => {
      assert.ok(details(patchQueueDoc(stored, { tick_time: 1 })).tick_time.minimum);
      assert.ok(details(patchQueueDoc(stored, { name: 'A', queue_name: 'B' })).queue_name.conflict);
      assert.ok(details(patchQueueDoc(stored, {})).data.minProperties);
      assert.ok(details(patchQueueDoc(stored, { name: null })).name.type, 'a required field cannot be cleared');
    });

    it('the body validator', () => {
      assert.equal(ok(validateQueuePatchBody(stored, { data: { queue_timeout: 120 } })).data.timeout, 120);
    });
  });
});
