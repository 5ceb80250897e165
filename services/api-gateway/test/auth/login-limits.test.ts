import assert from 'node:assert/strict';
import { FailureWindow, LoginLimits } from '../../src/auth/login-limits.js';

describe('auth/login limits', () => {
  describe('FailureWindow (sliding)', () => {
    it('refuses once `limit` failures are in the window, until the oldest that matters leaves it', () => {
      const w = new FailureWindow(3, 10_000, 100);
      for (const t of [0, 1_000, 2_000]) {
        assert.equal(w.retryAfter('k', t), 0);
        w.record('k', t);
      }
      assert.equal(w.retryAfter('k', 2_500), 7_500, 'the failure at 0 leaves at 10 000');
      assert.equal(w.retryAfter('other', 2_500), 0, 'per key');
      assert.equal(w.retryAfter('k', 10_000), 0);
      w.record('k', 10_000);
      assert.equal(w.retryAfter('k', 10_001), 999, 'now the failure at 1 000 is the one');
    });

    it('forget gives one failure back; limit 0 is off; the keys are bounded', () => {
      const w = new FailureWindow(2, 10_000, 2);
      w.record('a', 1);
      w.record('a', 2);
      assert.ok(w.retryAfter('a', 3) > 0);
      w.forget('a', 2);
      assert.equal(w.retryAfter('a', 3), 0);
      w.record('b', 4);
      w.record('c', 5);
      assert.equal(w.size, 2, 'the least recently failed key (a) forgotten');
      const off = new FailureWindow(0, 10_000, 10);
      off.record('a', 1);
      assert.equal(off.retryAfter('a', 1), 0);
      assert.equal(off.size, 0);
    });

    it('forgets keys whose failures all left the window', () => {
      const w = new FailureWindow(5, 1_000, 100);
      w.record('a', 0);
      assert.equal(w.retryAfter('a', 1_000), 0);
      assert.equal(w.size, 0);
    });
  });

  describe('LoginLimits', () => {
    const limits = () => new LoginLimits({ windowMs: 60_000, perAccountAddress: 3, perAddress: 5, perAccount: 8 });

    it('per account and address: that pair waits, the same account elsewhere and other accounts here do not', () => {
      const l = limits();
      for (let i = 0; i < 3; i++) assert.ok(l.begin('10.0.0.1', 'Acme', i).ok);
      const refused = l.begin('10.0.0.1', 'acme', 10);
      assert.deepEqual(refused, { ok: false, limit: 'account_address', retryAfterSeconds: 60 });
      assert.ok(l.begin('10.0.0.2', 'acme', 10).ok, 'another address, same account');
      assert.ok(l.begin('10.0.0.1', 'other', 10).ok, 'same address, another account');
    });

    it('per address: every login from it, api_auth (no account) included', () => {
      const l = limits();
      for (const account of ['a', 'b', 'c', 'd', undefined]) assert.ok(l.begin('10.0.0.9', account, 0).ok);
      const r = l.begin('10.0.0.9', undefined, 1_500);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.limit, 'address');
      assert.equal(!r.ok && r.retryAfterSeconds, 59, 'rounded up to whole seconds');
      assert.ok(l.begin('10.0.0.8', 'a', 1_500).ok);
    });

    it('per account, from many addresses', () => {
      const l = limits();
      for (let i = 0; i < 8; i++) assert.ok(l.begin(`10.0.1.${i}`, 'acme', 0).ok);
      const r = l.begin('10.0.2.1', 'acme', 0);
      assert.equal(!r.ok && r.limit, 'account');
    });

    it('an attempt that is released (right password, or a 503) does not count; in-flight ones do', () => {
      const l = limits();
      const inFlight = [1, 2, 3].map(() => l.begin('10.0.0.1', 'acme', 0));
      assert.ok(inFlight.every((d) => d.ok));
      assert.equal(l.begin('10.0.0.1', 'acme', 0).ok, false, 'three guesses still under way count');
      for (const d of inFlight) if (d.ok) d.attempt.release();
      const d = l.begin('10.0.0.1', 'acme', 0);
      assert.ok(d.ok);
      if (d.ok) {
        d.attempt.release();
        d.attempt.release(); // idempotent
      }
      for (let i = 0; i < 3; i++) assert.ok(l.begin('10.0.0.1', 'acme', 0).ok);
    });
  });
});
