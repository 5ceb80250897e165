import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { QubicleFailure } from '@qubicle/contracts';
import { createTokenService } from '../../src/auth/tokens.js';

const SECRET = 's'.repeat(40);
const account = { account_id: 'a'.repeat(32), account_name: 'acme' };

const isUnauthorized = (e: unknown) => e instanceof QubicleFailure && e.error.code === 'unauthorized';

describe('auth/tokens', () => {
  it('issues a token that verifies to its principal', async () => {
    const t = createTokenService({ secret: SECRET, ttlSeconds: 60 });
    const p = await t.verify(await t.issue({ ...account, owner_id: 'b'.repeat(32), priv_level: 'user' }));
    assert.equal(p.accountId, account.account_id);
    assert.equal(p.accountName, 'acme');
    assert.equal(p.ownerId, 'b'.repeat(32));
    assert.equal(p.privLevel, 'user');
    assert.equal(typeof p.tokenId, 'string');
    const api = await t.verify(await t.issue({ ...account, priv_level: 'admin' }));
    assert.equal(api.ownerId, undefined);
  });

  it("the principal carries the token's expiry (exp, in ms), as issued and as decoded by another gateway", async () => {
    const now = 1_800_000_000_500;
    const issuer = createTokenService({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    const token = await issuer.issue({ ...account, priv_level: 'admin' });
    const exp = decodeJwt(token).exp!;
    assert.equal(exp, Math.floor(now / 1000) + 60);
    assert.equal((await issuer.verify(token)).expiresAt, exp * 1000, 'from the cache of the issuer');
    const other = createTokenService({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    assert.equal((await other.verify(token)).expiresAt, exp * 1000, 'from the verified claims');
  });

  it('refuses an expired token (clock moved past the TTL)', async () => {
    let now = 1_800_000_000_000;
    const t = createTokenService({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    const token = await t.issue({ ...account, priv_level: 'admin' });
    now += 59_000;
    await t.verify(token);
    now += 2_000;
    await assert.rejects(t.verify(token), isUnauthorized);
  });

  it('refuses a token of another secret, and garbage', async () => {
    const a = createTokenService({ secret: SECRET, ttlSeconds: 60 });
    const b = createTokenService({ secret: 't'.repeat(40), ttlSeconds: 60 });
    await assert.rejects(b.verify(await a.issue({ ...account, priv_level: 'admin' })), isUnauthorized);
    await assert.rejects(a.verify('a.b.c'), isUnauthorized);
    await assert.rejects(a.verify(''), isUnauthorized);
  });

  it('remembers a verified token until it expires (exp still checked on every use), never a failure', async () => {
    let now = 1_800_000_000_000;
    const t = createTokenService({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    const token = await t.issue({ ...account, priv_level: 'admin' });
    const first = await t.verify(token);
    assert.equal(await t.verify(token), first, 'the remembered principal');
    // a token with the same payload and a forged signature is not the same string: verified (and refused)
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    await assert.rejects(t.verify(forged), isUnauthorized);
    await assert.rejects(t.verify(forged), isUnauthorized);
    now += 60_000;
    await assert.rejects(t.verify(token), isUnauthorized, 'expired although remembered');
  });

  it('keeps at most cacheSize tokens (the oldest forgotten, still verifiable)', async () => {
    const t = createTokenService({ secret: SECRET, ttlSeconds: 60, cacheSize: 2 });
    // issued one after the other: concurrent signs may finish (and enter the cache) in any order,
    // which made the eviction order, not the cache, decide this test under load
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push(await t.issue({ ...account, priv_level: 'admin' }));
    const principals = [];
    for (const tok of tokens) principals.push(await t.verify(tok));
    assert.notEqual(await t.verify(tokens[0]!), principals[0], 'forgotten: verified again');
    assert.equal(await t.verify(tokens[0]!), await t.verify(tokens[0]!));
  });
});
