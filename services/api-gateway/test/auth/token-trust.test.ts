/**
 * The token service with a directory: when it asks (token_check), what it remembers, and how
 * notices, the feed's state and age make an answer stale. Time is the injected clock; the
 * directory is a recording fake.
 */
import assert from 'node:assert/strict';
import { QubicleFailure, type TokenCheck, type TokenCheckRequest, type TokenRevokeRequest } from '@qubicle/contracts';
import { createTokenService, type TokenDirectory, type TokenService } from '../../src/auth/tokens.js';

const SECRET = 's'.repeat(40);
const ACCOUNT = 'a'.repeat(32);
const USER = 'b'.repeat(32);
const OTHER = 'c'.repeat(32);
const identity = (over: Record<string, unknown> = {}) => ({ account_id: ACCOUNT, account_name: 'acme', owner_id: USER, priv_level: 'admin' as const, ...over });
const isUnauthorized = (e: unknown) => e instanceof QubicleFailure && e.error.code === 'unauthorized';

class FakeDirectory implements TokenDirectory {
  readonly checks: TokenCheckRequest[] = [];
  readonly revokes: TokenRevokeRequest[] = [];
  answer: TokenCheck | Error = { valid: true };
  /** when set, checks wait for it */
  gate: Promise<void> | undefined;
  async callDirectory(request: TokenCheckRequest | TokenRevokeRequest): Promise<unknown> {
    if (request.type === 'token_revoke') {
      this.revokes.push(request);
      return { revoked: true };
    }
    this.checks.push(request);
    if (this.gate) await this.gate;
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

describe('auth/token trust (tokens checked with the directory)', () => {
  let now: number;
  let dir: FakeDirectory;
  let t: TokenService;
  /** a token minted elsewhere (another gateway, before a restart): unknown to `t` */
  let foreign: (over?: Record<string, unknown>) => Promise<string>;
  beforeEach(() => {
    now = 1_800_000_000_000;
    dir = new FakeDirectory();
    t = createTokenService({ secret: SECRET, ttlSeconds: 3600, clock: () => now, directory: dir, recheckMs: 60_000 });
    const elsewhere = createTokenService({ secret: SECRET, ttlSeconds: 3600, clock: () => now });
    foreign = (over = {}) => elsewhere.issue(identity(over));
  });

  it('asks once for a token it has not seen, then trusts the answer for recheckMs', async () => {
    const token = await foreign({ token_generation: 3 });
    const p = await t.verify(token);
    assert.equal(p.ownerId, USER);
    assert.deepEqual(dir.checks, [
      { type: 'token_check', account_id: ACCOUNT, user_id: USER, token_id: p.tokenId, token_generation: 3, priv_level: 'admin' },
    ]);
    for (let i = 0; i < 100; i++) await t.verify(token);
    now += 59_999;
    await t.verify(token);
    assert.equal(dir.checks.length, 1, 'no RPC per request');
    now += 1;
    await t.verify(token);
    assert.equal(dir.checks.length, 2, 'asked again once the answer is recheckMs old');
  });

  it('a token issued here is trusted from the start; an api token is checked without user', async () => {
    await t.verify(await t.issue(identity()));
    assert.equal(dir.checks.length, 0);
    await t.verify(await foreign({ owner_id: undefined }));
    assert.equal(dir.checks[0]?.user_id, undefined);
    assert.equal('user_id' in dir.checks[0]!, false);
  });

  it('a refusal is final and remembered (no more questions); a failure to ask is not', async () => {
    const refused = await foreign();
    dir.answer = { valid: false, reason: 'user_deleted' };
    await assert.rejects(t.verify(refused), isUnauthorized);
    await assert.rejects(t.verify(refused), isUnauthorized);
    assert.equal(dir.checks.length, 1);
    assert.equal(t.standing(refused), 'ended');

    const unlucky = await foreign();
    dir.answer = new QubicleFailure({ code: 'unavailable', message: 'message bus unavailable' });
    await assert.rejects(t.verify(unlucky), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'unavailable');
    dir.answer = { valid: true };
    await t.verify(unlucky);
    assert.equal(dir.checks.length, 3);
  });

  it('concurrent uses of one new token share one question', async () => {
    const token = await foreign();
    let open!: () => void;
    dir.gate = new Promise<void>((r) => (open = r));
    const uses = Array.from({ length: 20 }, () => t.verify(token));
    await new Promise((r) => setImmediate(r));
    open();
    await Promise.all(uses);
    assert.equal(dir.checks.length, 1);
  });

  describe('notices', () => {
    it('principal_changed: the user\'s tokens below the new generation are refused at once, without asking', async () => {
      const old = await t.issue(identity());
      const otherUser = await t.issue(identity({ owner_id: OTHER }));
      await t.verify(old);
      t.trust.apply({ type: 'principal_changed', account_id: ACCOUNT, user_id: USER, reason: 'user_demoted', token_generation: 1, at: now }, now);
      await assert.rejects(t.verify(old), isUnauthorized);
      assert.equal(t.standing(old), 'ended');
      await t.verify(otherUser);
      // a log-in after the change carries the new generation
      await t.verify(await t.issue(identity({ priv_level: 'user', token_generation: 1 })));
      assert.equal(dir.checks.length, 0);
    });

    it('a deleted user: every token of theirs, whatever its generation', async () => {
      const token = await t.issue(identity({ token_generation: 5 }));
      t.trust.apply({ type: 'principal_changed', account_id: ACCOUNT, user_id: USER, reason: 'user_deleted', at: now }, now);
      await assert.rejects(t.verify(token), isUnauthorized);
      await assert.rejects(t.verify(await foreign({ token_generation: 9 })), isUnauthorized, 'also one never seen before');
    });

    it('token_revoked: that token only', async () => {
      const a = await t.issue(identity());
      const b = await t.issue(identity());
      const jti = (await t.verify(a)).tokenId;
      t.trust.apply({ type: 'token_revoked', account_id: ACCOUNT, user_id: USER, token_id: jti, expires_at: now + 3_600_000, at: now }, now);
      await assert.rejects(t.verify(a), isUnauthorized);
      await t.verify(b);
    });

    it('a notice that arrives while the directory answers wins over the (older) answer', async () => {
      const token = await foreign();
      let open!: () => void;
      dir.gate = new Promise<void>((r) => (open = r));
      const use = t.verify(token);
      await new Promise((r) => setImmediate(r));
      t.trust.apply({ type: 'principal_changed', account_id: ACCOUNT, user_id: USER, reason: 'user_disabled', token_generation: 1, at: now }, now);
      open();
      await assert.rejects(use, isUnauthorized);
    });

    it('revocations are remembered as long as a token from before them can live, then forgotten', async () => {
      t.trust.apply({ type: 'principal_changed', account_id: ACCOUNT, user_id: USER, reason: 'user_deleted', at: now }, now);
      t.trust.apply({ type: 'token_revoked', account_id: ACCOUNT, token_id: 'j', expires_at: now + 1000, at: now }, now);
      assert.equal(t.trust.remembered, 2);
      now += 3_600_000;
      t.trust.apply({ type: 'token_revoked', account_id: ACCOUNT, token_id: 'k', expires_at: now + 1000, at: now }, now);
      assert.equal(t.trust.remembered, 1);
    });
  });

  describe('the notice feed', () => {
    it('expected but not up: every use asks; up: the answer holds; a reconnect (down, up) makes every token ask again once', async () => {
      const token = await t.issue(identity());
      t.trust.expectFeed();
      await t.verify(token);
      await t.verify(token);
      assert.equal(dir.checks.length, 2, 'notices may be missed: nothing is trusted');
      t.trust.setFeedUp(true);
      await t.verify(token);
      await t.verify(token);
      assert.equal(dir.checks.length, 3);
      assert.equal(t.standing(token), 'trusted');
      t.trust.setFeedUp(false);
      t.trust.setFeedUp(true);
      assert.equal(t.standing(token), 'unchecked');
      await t.verify(token);
      await t.verify(token);
      assert.equal(dir.checks.length, 4);
    });
  });

  it('recheckMs 0: every use asks', async () => {
    const strict = createTokenService({ secret: SECRET, ttlSeconds: 3600, clock: () => now, directory: dir, recheckMs: 0 });
    const token = await strict.issue(identity());
    await strict.verify(token);
    await strict.verify(token);
    assert.equal(dir.checks.length, 2);
  });

  it('revoke: the directory records the jti until the exp, and the token is refused here at once', async () => {
    const token = await t.issue(identity());
    const p = await t.verify(token);
    await t.revoke(token, 'req-1');
    assert.deepEqual(dir.revokes, [
      { type: 'token_revoke', account_id: ACCOUNT, user_id: USER, token_id: p.tokenId, expires_at: Math.floor(now / 1000) * 1000 + 3_600_000 },
    ]);
    await assert.rejects(t.verify(token), isUnauthorized);
    assert.equal(t.standing(token), 'ended');
  });
});
