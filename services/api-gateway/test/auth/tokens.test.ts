import assert from 'node:assert/strict';
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
});
