/**
 * Every list and map that input can grow has a cap, in every contract (a schema added later
 * cannot forget it), and the bulk limits are exact (issue 11: 1,001 recipients and 1,200 queue ids
 * for one recipient were accepted).
 */
import { strict as assert } from 'node:assert';
import * as contracts from '@qubicle/contracts';
import { VALIDATORS, walkSchema } from './support/schema-walk.js';

const ID = 'a'.repeat(32);

function details(v: { ok: boolean; details?: unknown }): Record<string, Record<string, { message: string; cause?: unknown; target?: unknown }>> {
  assert.equal(v.ok, false, 'expected a validation failure');
  return v.details as never;
}

describe('contracts: caps on what input can grow', () => {
  it('every list and map an input can grow has a cap (maxItems / maxProperties)', () => {
    // outputs: what the gateway sends (checked by tests, never fed by a client)
    const OUTPUTS = new Set(['validateLiveReply', 'validateLiveEventMessage']);
    const uncapped: string[] = [];
    for (const [name, v] of VALIDATORS) {
      if (OUTPUTS.has(name)) continue;
      walkSchema(v.schema, (s, path) => {
        if (s['type'] === 'array' && s['maxItems'] === undefined) uncapped.push(`${name} ${path}: array without maxItems`);
        const isMap = typeof s['additionalProperties'] === 'object' || s['patternProperties'] !== undefined || s['propertyNames'] !== undefined;
        if (isMap && s['maxProperties'] === undefined && !hasCapInBranches(s)) uncapped.push(`${name} ${path}: map without maxProperties`);
      });
    }
    assert.deepEqual(uncapped, []);
  });
});

/** The bulk set caps its map in if/then/else (one more key with ui_metadata). */
function hasCapInBranches(s: Record<string, unknown>): boolean {
  const then = s['then'] as Record<string, unknown> | undefined;
  const otherwise = s['else'] as Record<string, unknown> | undefined;
  return then?.['maxProperties'] !== undefined && otherwise?.['maxProperties'] !== undefined;
}

describe('contracts: the bulk limits are exact', () => {
  const bulkSet = (n: number, extra: Record<string, unknown> = {}) => ({
    data: { set_status: true, ...extra, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [i.toString(16).padStart(32, '0'), { global: 'ready' }])) },
  });

  it('a bulk set takes 1,000 recipients, with or without ui_metadata, and refuses 1,001 (issue 11)', () => {
    assert.ok(contracts.validateBulkStatusSetBody(bulkSet(1000)).ok);
    assert.ok(contracts.validateBulkStatusSetBody(bulkSet(1000, { ui_metadata: {} })).ok);
    assert.ok(details(contracts.validateBulkStatusSetBody(bulkSet(1001)))['data']!['maxProperties']);
    assert.ok(details(contracts.validateBulkStatusSetBody(bulkSet(1001, { ui_metadata: {} })))['data']!['maxProperties']);
  });

  it(`one recipient of a bulk set names at most ${contracts.MAX_QUEUES_PER_RECIPIENT} queues`, () => {
    const queues = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i.toString(16).padStart(32, 'b'), 'ready']));
    assert.ok(contracts.validateBulkStatusSetBody({ data: { set_status: true, [ID]: { global: 'ready', ...queues(contracts.MAX_QUEUES_PER_RECIPIENT) } } }).ok);
    assert.ok(details(contracts.validateBulkStatusSetBody({ data: { set_status: true, [ID]: queues(1200) } }))[ID]!['maxProperties']);
  });
});
