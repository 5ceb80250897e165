import assert from 'node:assert/strict';
import { addressKey } from '../../src/auth/client-address.js';

describe('auth/client address key', () => {
  it('IPv4 as itself, IPv4-mapped IPv6 as its IPv4', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('IPv6 per /64, however it is written', () => {
    const k = addressKey('2001:db8:1:2:aaaa::1');
    assert.equal(k, '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'), k);
    assert.equal(addressKey('2001:db8:1:2::'), k);
    assert.notEqual(addressKey('2001:db8:1:3::1'), k);
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('64:ff9b::192.0.2.7'), '64:ff9b:0:0::/64');
  });

  it('anything else counts as itself', () => {
    assert.equal(addressKey(''), '');
    assert.equal(addressKey('Not-An-IP'), 'not-an-ip');
  });
});
