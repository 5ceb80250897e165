/**
 * The Crossbar envelope checks the route suites share: a success is JSON with `status: success`;
 * a refusal is JSON with `status: error`, the HTTP status as `error` and, when given, the message.
 */
import assert from 'node:assert/strict';
import type { Response } from './harness.js';

export function ok(res: Response, status = 200): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.body.status, 'success');
}

export function refused(res: Response, status: number, message?: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.body.status, 'error');
  assert.equal(res.body.error, String(status));
  if (message !== undefined) assert.equal(res.body.message, message);
}
