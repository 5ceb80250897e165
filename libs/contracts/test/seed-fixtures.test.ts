/**
 * Golden fixtures built from the seed API document's examples (placeholders filled in
 * with realistic values): every request body of the seed validates, every response
 * `data` matches its schema, and the envelopes are Crossbar's.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ajv,
  bulkStatusDataSchema,
  bulkStatusSetDataResponseSchema,
  recipientListSchema,
  recipientStatusSchema,
  successEnvelopeSchema,
  validateBulkStatusQueryBody,
  validateBulkStatusSetBody,
  validateRecipientActionBody,
  validateStatusSetBody,
  bulkStatusSetEntries,
  type BulkStatusSet,
} from '@qubicle/contracts';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): any => JSON.parse(readFileSync(join(here, 'fixtures', 'seed', name), 'utf8'));
const check = (schema: object, value: unknown) => {
  const fn = ajv.compile(schema);
  assert.ok(fn(value), JSON.stringify(fn.errors));
};

describe('contracts: seed golden fixtures', () => {
  it('list recipients response: envelope, page_size, revision and {id,name} items', () => {
    const body = fixture('list-recipients.response.json');
    check(successEnvelopeSchema, body);
    check(recipientListSchema, body.data);
    assert.equal(body.page_size, body.data.length);
  });

  for (const name of ['get-status.response.json', 'get-status-wiretapping.response.json']) {
    it(`single status response (${name}) matches the status schema`, () => {
      const body = fixture(name);
      check(successEnvelopeSchema, body);
      check(recipientStatusSchema, body.data);
    });
  }

  it('a Not-Logged-In status carries no call fields', () => {
    check(recipientStatusSchema, { available: false, availability_state: 'Not-Logged-In' });
    const fn = ajv.compile(recipientStatusSchema);
    assert.equal(fn({ available: true, availability_state: 'Not-Logged-In' }), false);
    assert.equal(fn({ available: false, availability_state: 'Not-Logged-In', wrapup_time_seconds: 3, node: 'x' }), false);
  });

  it('a logged-in status must carry stats, node and wrapup_time_seconds', () => {
    const fn = ajv.compile(recipientStatusSchema);
    assert.equal(fn({ available: true, availability_state: 'Ready' }), false);
  });

  it('bulk status request and response (status objects or "not_logged_in")', () => {
    const req = validateBulkStatusQueryBody(fixture('bulk-status.request.json'));
    assert.ok(req.ok);
    const body = fixture('bulk-status.response.json');
    check(successEnvelopeSchema, body);
    check(bulkStatusDataSchema, body.data);
    assert.equal(Object.values(body.data).filter((v) => v === 'not_logged_in').length, 1);
  });

  it('bulk set status request (JSON form of the seed proplist) and response', () => {
    const req = validateBulkStatusSetBody(fixture('bulk-set-status.request.json'));
    assert.ok(req.ok, JSON.stringify(!req.ok && req.details));
    const entries = bulkStatusSetEntries(req.value.data as BulkStatusSet);
    assert.equal(entries.length, 2);
    assert.deepEqual(Object.keys(entries[0]![1]), ['global', 'c6564319c5996b0db6f4e53d69db79d8']);
    const body = fixture('bulk-set-status.response.json');
    check(bulkStatusSetDataResponseSchema, body.data);
  });

  for (const action of ['login', 'logout', 'wrapup_extend', 'wrapup_cancel', 'monitor']) {
    it(`action ${action}: request validates and response echoes the action`, () => {
      const req = validateRecipientActionBody(fixture(`action-${action}.request.json`));
      assert.ok(req.ok, JSON.stringify(!req.ok && req.details));
      const res = fixture(`action-${action}.response.json`);
      check(successEnvelopeSchema, res);
      assert.deepEqual(res.data, { action });
    });
  }

  it('set status: global and per queue', () => {
    assert.ok(validateStatusSetBody(fixture('set-status.request.json')).ok);
    assert.ok(validateStatusSetBody(fixture('set-status-queue.request.json')).ok);
    const res = fixture('set-status-queue.response.json');
    check(successEnvelopeSchema, res);
    assert.equal(res.data.queue_id, 'c6564319c5996b0db6f4e53d69db79d8');
  });
});
