import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  BUCKET_HEX_CHARS,
  DUMMY_CREDENTIALS_HASH,
  credentialBucket,
  credentialsOf,
  hashCredentials,
  parseScryptHash,
  verifyCredentials,
} from '../../src/directory/credentials.js';

const HASH_RE = /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;

describe('directory credentials', () => {
  it('credentialsOf is KAZOO md5("username:password") with the username lower-cased', () => {
    const expected = createHash('md5').update('agent1:s3cret!').digest('hex');
    assert.equal(credentialsOf('agent1', 's3cret!'), expected);
    assert.equal(credentialsOf('Agent1', 's3cret!'), expected);
    assert.notEqual(credentialsOf('agent1', 'S3cret!'), expected, 'the password keeps its case');
    assert.match(expected, /^[0-9a-f]{32}$/);
  });

  it('hashCredentials: scrypt$N$r$p$salt$key with a fresh salt, and a 4-hex sha256 bucket', async () => {
    const md5 = credentialsOf('agent1', 'password1');
    const a = await hashCredentials(md5);
    const b = await hashCredentials(md5);
    assert.match(a.hash, HASH_RE);
    assert.notEqual(a.hash, b.hash, 'random salt');
    assert.equal(a.bucket, b.bucket);
    assert.equal(a.bucket, createHash('sha256').update(md5).digest('hex').slice(0, BUCKET_HEX_CHARS));
    assert.equal(a.bucket.length, 4);
    assert.ok(!a.hash.includes(md5));
    const parsed = parseScryptHash(a.hash);
    assert.ok(parsed);
    assert.equal(parsed.salt.length, 16);
    assert.equal(parsed.key.length, 32);
  });

  it('verifyCredentials accepts the right md5 (any hex case) and refuses others', async () => {
    const md5 = credentialsOf('agent1', 'password1');
    const { hash, bucket } = await hashCredentials(md5);
    assert.equal(await verifyCredentials(md5, hash), true);
    assert.equal(await verifyCredentials(md5.toUpperCase(), hash), true);
    assert.equal(credentialBucket(md5.toUpperCase()), bucket);
    assert.equal(await verifyCredentials(credentialsOf('agent1', 'password2'), hash), false);
    assert.equal(await verifyCredentials(credentialsOf('agent2', 'password1'), hash), false);
  });

  it('refuses malformed or out-of-bounds hashes', async () => {
    const md5 = credentialsOf('a', 'b');
    for (const bad of [
      '',
      'bcrypt$x',
      'scrypt$16384$8$1$onlyfive',
      'scrypt$16383$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      'scrypt$16384$8$1$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]) {
      assert.equal(parseScryptHash(bad), null, bad);
      assert.equal(await verifyCredentials(md5, bad), false, bad);
    }
  });

  it('the dummy hash is well-formed (so verifying against it really runs scrypt) and matches nothing', async () => {
    assert.match(DUMMY_CREDENTIALS_HASH, HASH_RE);
    assert.ok(parseScryptHash(DUMMY_CREDENTIALS_HASH));
    assert.equal(await verifyCredentials(credentialsOf('admin', 'admin123'), DUMMY_CREDENTIALS_HASH), false);
  });
});
