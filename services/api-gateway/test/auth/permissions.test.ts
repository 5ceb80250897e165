import assert from 'node:assert/strict';
import { QubicleFailure, type UserDoc } from '@qubicle/contracts';
import { assertNoPrivilegeRaise, canActOnRecipient, keepGuardedFields } from '../../src/auth/permissions.js';
import type { Principal } from '../../src/auth/principal.js';

const me = 'a'.repeat(32);
const other = 'b'.repeat(32);
const user: Principal = { accountId: 'c'.repeat(32), accountName: 'acme', ownerId: me, privLevel: 'user', tokenId: 'j', expiresAt: Number.MAX_SAFE_INTEGER };
const admin: Principal = { ...user, privLevel: 'admin' };
const api: Principal = { accountId: user.accountId, accountName: 'acme', privLevel: 'admin', tokenId: 'k', expiresAt: Number.MAX_SAFE_INTEGER };

const doc: UserDoc = {
  id: me,
  account_id: user.accountId,
  first_name: 'A',
  last_name: 'B',
  username: 'ab',
  priv_level: 'user',
  enabled: true,
  qubicle: { enabled: false, permissions: { monitor: false } },
};

const forbidden = (e: unknown) => e instanceof QubicleFailure && e.error.code === 'forbidden';

describe('auth/permissions', () => {
  it('a plain user acts on themselves only; admins and api tokens on anyone', () => {
    assert.equal(canActOnRecipient(user, me), true);
    assert.equal(canActOnRecipient(user, other), false);
    assert.equal(canActOnRecipient(admin, other), true);
    assert.equal(canActOnRecipient(api, other), true);
  });

  it('refuses raising guarded fields, allows resending or lowering them', () => {
    assert.throws(() => assertNoPrivilegeRaise(doc, { priv_level: 'admin' }), forbidden);
    assert.throws(() => assertNoPrivilegeRaise(doc, { qubicle: { enabled: true } }), forbidden);
    assert.throws(() => assertNoPrivilegeRaise(doc, { qubicle: { permissions: { monitor: true } } }), forbidden);
    assert.throws(() => assertNoPrivilegeRaise({ ...doc, enabled: false }, { enabled: true }), forbidden);
    assertNoPrivilegeRaise(doc, { priv_level: 'user', enabled: true, qubicle: { enabled: false, permissions: { monitor: false } } });
    assertNoPrivilegeRaise({ ...doc, qubicle: { enabled: true, permissions: { monitor: true } } }, { qubicle: { enabled: false } });
  });

  it('keepGuardedFields fills omitted guarded fields from the current document', () => {
    const out = keepGuardedFields({ ...doc, priv_level: 'user', qubicle: { enabled: true, permissions: { monitor: true } } }, { first_name: 'X', last_name: 'Y' });
    assert.deepEqual(out, { first_name: 'X', last_name: 'Y', priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: true } } });
    const lowered = keepGuardedFields(doc, { first_name: 'X', last_name: 'Y', enabled: false, qubicle: { enabled: false } });
    assert.equal(lowered.enabled, false);
    assert.deepEqual(lowered.qubicle, { enabled: false, permissions: { monitor: false } });
  });
});
