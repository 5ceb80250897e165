import assert from 'node:assert/strict';
import { ERROR_CODES, HTTP_STATUS_OF, QubicleFailure, RETRYABLE, isRetryable, isRetryableFailure } from '../src/index.js';

describe('contracts: errors', () => {
  it('the retryable table has a row for every code, and says yes to timeout and unavailable only', () => {
    assert.deepEqual(Object.keys(RETRYABLE).sort(), [...ERROR_CODES].sort());
    assert.deepEqual(ERROR_CODES.filter((c) => isRetryable(c)).sort(), ['timeout', 'unavailable']);
  });

  it('misrouted, shard_mismatch, too_many_requests and conflict are not retried as they are', () => {
    for (const code of ['misrouted', 'shard_mismatch', 'too_many_requests', 'conflict', 'internal']) assert.equal(isRetryable(code), false, code);
  });

  it('a code that is not ours is not retryable (no prototype keys either)', () => {
    for (const code of ['nope', '__proto__', 'constructor', 'hasOwnProperty', '']) assert.equal(isRetryable(code), false, code);
  });

  it('isRetryableFailure: a QubicleFailure with a retryable code, nothing else', () => {
    assert.equal(isRetryableFailure(new QubicleFailure({ code: 'timeout', message: 't' })), true);
    assert.equal(isRetryableFailure(new QubicleFailure({ code: 'misrouted', message: 'm' })), false);
    assert.equal(isRetryableFailure(Object.assign(new Error('x'), { error: { code: 'timeout' } })), false);
    assert.equal(isRetryableFailure({ error: { code: 'unavailable' } }), false);
  });

  it('misrouted is an internal error to an HTTP client (500), as shard_mismatch', () => {
    assert.equal(HTTP_STATUS_OF.misrouted, 500);
    assert.equal(HTTP_STATUS_OF.shard_mismatch, 500);
  });
});
