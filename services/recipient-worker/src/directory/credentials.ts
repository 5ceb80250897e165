/**
 * KAZOO user credentials.
 *
 * KAZOO clients (Monster UI, the KAZOO SDK, curl scripts) authenticate with
 * `credentials = md5("username:password")` (lowercase hex, the username lower-cased as KAZOO
 * does). The directory never stores the password nor that md5: it keeps only
 * `UserCredentials { bucket, hash }`:
 *
 * - `hash`   = scrypt(md5 credentials) with N=16384, r=8, p=1, a 16-byte random salt and a
 *              32-byte key, encoded `scrypt$16384$8$1$<salt b64>$<key b64>`. The parameters
 *              travel with the hash, so they can be raised later without invalidating old hashes.
 * - `bucket` = the first 4 hex characters of sha256(md5 credentials). `user_auth` only knows the
 *              md5 and the account name (not the user), and a salted hash cannot be looked up, so
 *              the bucket narrows the candidates to ~1/65536 of the account's users instead of
 *              running scrypt against every user of the account.
 *
 * Trade-off of the bucket: whoever steals the database learns 16 bits of a *fast* hash of each
 * user's md5 credentials. That lets an offline attacker discard 65535 of 65536 password guesses
 * with one sha256 each before paying for scrypt, i.e. it removes 16 bits of scrypt work factor
 * from a brute-force attack; the remaining guesses still cost one scrypt each. (KAZOO itself
 * stores the bare md5, which is far weaker.)
 *
 * Nothing in this module logs, and its callers must never log passwords, md5 credentials,
 * hashes or api keys.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { UserCredentials } from '../store/port.js';

export const SCRYPT_N = 16384;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
export const SCRYPT_SALT_BYTES = 16;
export const SCRYPT_KEY_BYTES = 32;
/** Hex characters of sha256(md5 credentials) kept as the lookup bucket (4 hex = 16 bits). */
export const BUCKET_HEX_CHARS = 4;

/** Upper bound of the memory a stored hash may make us spend (a corrupt/hostile row cannot DoS the worker). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptMemory(N: number, r: number, p: number): number {
  // 128*N*r for the main buffer plus 128*r*p for the block mixing; add slack for node's own check.
  return 128 * N * r + 128 * r * p + 1024 * 1024;
}

/** md5 of `${username lower-cased}:${password}`, lowercase hex: what a KAZOO client sends as `credentials`. */
export function credentialsOf(username: string, password: string): string {
  return createHash('md5').update(`${username.toLowerCase()}:${password}`, 'utf8').digest('hex');
}

/** Clients may send the md5 in upper case hex (the contract allows it); we hash the lower-case form. */
function normalizeMd5(md5: string): string {
  return md5.toLowerCase();
}

/** The lookup bucket of an md5 credentials string (see the trade-off above). */
export function credentialBucket(md5: string): string {
  return createHash('sha256').update(normalizeMd5(md5), 'utf8').digest('hex').slice(0, BUCKET_HEX_CHARS);
}

/** scrypt hash (fresh random salt) + bucket of md5 credentials: what the store keeps. */
export async function hashCredentials(md5: string): Promise<UserCredentials> {
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const key = await scryptAsync(normalizeMd5(md5), salt, SCRYPT_KEY_BYTES, {
    N: SCRYPT_N,
    r: SCRYPT_R,
    p: SCRYPT_P,
    maxmem: scryptMemory(SCRYPT_N, SCRYPT_R, SCRYPT_P),
  });
  return {
    bucket: credentialBucket(md5),
    hash: `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${key.toString('base64')}`,
  };
}

export interface ParsedScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function positiveInt(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  return Number(text);
}

/** Parses `scrypt$N$r$p$salt$key`; null when malformed or when its parameters are out of bounds. */
export function parseScryptHash(hash: string): ParsedScryptHash | null {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const N = positiveInt(parts[1]);
  const r = positiveInt(parts[2]);
  const p = positiveInt(parts[3]);
  if (N === null || r === null || p === null) return null;
  if (N < 2 || (N & (N - 1)) !== 0 || r > 64 || p > 16) return null;
  if (scryptMemory(N, r, p) > MAX_SCRYPT_MEMORY) return null;
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!b64.test(parts[4] ?? '') || !b64.test(parts[5] ?? '')) return null;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 128) return null;
  return { N, r, p, salt, key };
}

/**
 * A well-formed hash that matches no credentials (random salt and key, made once per process).
 * `auth_user` verifies against it when it has no candidate user, so that an unknown account, an
 * unknown user and a wrong password all cost one scrypt: no user enumeration by timing.
 */
export const DUMMY_CREDENTIALS_HASH = `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${randomBytes(SCRYPT_SALT_BYTES).toString(
  'base64',
)}$${randomBytes(SCRYPT_KEY_BYTES).toString('base64')}`;

const DUMMY_PARSED: ParsedScryptHash = parseScryptHash(DUMMY_CREDENTIALS_HASH) as ParsedScryptHash;

/**
 * True when `md5` is what `hash` was made from. The key comparison is constant-time
 * (timingSafeEqual). A malformed hash still costs one standard scrypt before answering false.
 */
export async function verifyCredentials(md5: string, hash: string): Promise<boolean> {
  const own = parseScryptHash(hash);
  const parsed = own ?? DUMMY_PARSED;
  const derived = await scryptAsync(normalizeMd5(md5), parsed.salt, parsed.key.length, {
    N: parsed.N,
    r: parsed.r,
    p: parsed.p,
    maxmem: scryptMemory(parsed.N, parsed.r, parsed.p),
  });
  const equal = derived.length === parsed.key.length && timingSafeEqual(derived, parsed.key);
  return equal && own !== null;
}

/** The credential functions the directory uses; injectable so tests can spy on them. */
export interface CredentialsApi {
  hashCredentials(md5: string): Promise<UserCredentials>;
  verifyCredentials(md5: string, hash: string): Promise<boolean>;
  credentialBucket(md5: string): string;
  /** Verified against when there is no candidate (constant-work path). */
  readonly dummyHash: string;
}

export const defaultCredentialsApi: CredentialsApi = {
  hashCredentials,
  verifyCredentials,
  credentialBucket,
  dummyHash: DUMMY_CREDENTIALS_HASH,
};
