/**
 * schema.ts: validation details are built safely (null prototypes), capped (MAX_VALIDATION_DETAILS
 * and a count of the rest), and never echo a secret; and, over EVERY contract (so that a schema
 * added later cannot forget it), secret-named fields are marked `secret`.
 */
import { strict as assert } from 'node:assert';
import * as contracts from '@qubicle/contracts';
import { VALIDATORS, walkSchema } from './support/schema-walk.js';
import {
  MAX_CAUSE_LENGTH,
  MAX_VALIDATION_DETAILS,
  TRUNCATED_DETAILS_FIELD,
  detailLines,
  validateApiAuthBody,
  validateBulkStatusQueryBody,
  validateDirectoryRequest,
  validateLiveClientMessage,
  validateUserAuthBody,
  validateUserWriteBody,
  validator,
  type Validator,
} from '@qubicle/contracts';

const ID = 'a'.repeat(32);

function details(v: { ok: boolean; details?: unknown }): Record<string, Record<string, { message: string; cause?: unknown; target?: unknown }>> {
  assert.equal(v.ok, false, 'expected a validation failure');
  return v.details as never;
}

describe('contracts: validation details', () => {
  it('are null-prototype objects: a "__proto__" field is a field, Object.prototype stays untouched', () => {
    // JSON.parse (not parseJson, which refuses it) makes "__proto__" an own key, as any parser could
    const body = JSON.parse(`{"data":{"set_status":true,"__proto__":{"global":"ready"},"${ID}":{"global":"ready"}}}`) as unknown;
    const d = details(contracts.validateBulkStatusSetBody(body));
    assert.equal(Object.getPrototypeOf(d), null);
    assert.ok(Object.hasOwn(d, '__proto__'), JSON.stringify(d));
    assert.equal(Object.getPrototypeOf(d['__proto__']), null);
    assert.ok(d['__proto__']!['additionalProperties']);
    assert.deepEqual(Object.keys(Object.prototype), []);
    assert.equal(({} as Record<string, unknown>)['additionalProperties'], undefined);
    // and a valid body still validates afterwards (issue 11: every additionalProperties:false schema failed)
    assert.ok(contracts.validateBulkStatusSetBody({ data: { set_status: true, [ID]: { global: 'ready' } } }).ok);
  });

  it(`at most ${MAX_VALIDATION_DETAILS}, then a count of the rest`, () => {
    const ids = Array.from({ length: 25_000 }, (_, i) => `bad-${i}`);
    const d = details(validateBulkStatusQueryBody({ data: { recipient_ids: ids } }));
    const fields = Object.keys(d).filter((f) => f !== TRUNCATED_DETAILS_FIELD);
    assert.equal(fields.reduce((n, f) => n + Object.keys(d[f]!).length, 0), MAX_VALIDATION_DETAILS);
    assert.ok(d['recipient_ids']?.['maxItems'], 'the list-level rule comes first');
    const more = d[TRUNCATED_DETAILS_FIELD]!['max_details']!;
    assert.equal(more.cause, 25_000 + 1 - MAX_VALIDATION_DETAILS);
    assert.equal(more.target, MAX_VALIDATION_DETAILS);
    assert.match(more.message, /^\d+ more validation errors not shown$/);
    assert.ok(JSON.stringify(d).length < 8_000, `${JSON.stringify(d).length} bytes`);
    assert.equal(detailLines(d).length, fields.length + 1);
  });

  it(`a string cause longer than ${MAX_CAUSE_LENGTH} characters is left out (the rule and target say it)`, () => {
    const d = details(validateUserWriteBody({ data: { first_name: 'x'.repeat(5000), last_name: 'b' } }));
    assert.equal(d['first_name']!['maxLength']!.cause, undefined);
    assert.equal(d['first_name']!['maxLength']!.target, 128);
    assert.equal(details(validateUserWriteBody({ data: { first_name: 7, last_name: 'b' } }))['first_name']!['type']!.cause, 7);
  });

  it('never echo the value of a secret field (password, credentials, api_key, auth_token), whatever the rule', () => {
    const cases: Array<[Validator<unknown>, unknown, string]> = [
      [validateUserWriteBody, { data: { first_name: 'a', last_name: 'b', username: 'u', password: 'short' } }, 'short'],
      [validateUserWriteBody, { data: { first_name: 'a', last_name: 'b', username: 'u', password: `long-${'p'.repeat(260)}` } }, 'long-p'],
      [validateUserAuthBody, { data: { credentials: 'my-secret-md5-guess', account_name: 'demo' } }, 'my-secret-md5-guess'],
      [validateApiAuthBody, { data: { api_key: 'mistyped-api-key-0123' } }, 'mistyped-api-key-0123'],
      [validateApiAuthBody, { data: { api_key: 12345678 } }, '12345678'],
      [validateDirectoryRequest, { type: 'auth_user', credentials: 'zz-not-md5-zz', account_name: 'x' }, 'zz-not-md5-zz'],
      [validateLiveClientMessage, { action: 'ping', auth_token: `tok-${'t'.repeat(5000)}` }, 'tok-'],
      [validateLiveClientMessage, { action: 'ping', auth_token: '' }, '"cause":""'],
    ];
    for (const [validate, value, secret] of cases) {
      const text = JSON.stringify(details(validate(value)));
      assert.ok(!text.includes(secret), `${secret.slice(0, 20)} echoed: ${text.slice(0, 300)}`);
    }
  });
});

describe('contracts: rules every schema keeps', () => {
  it('knows the validators (the walk below sees them all)', () => {
    assert.ok(VALIDATORS.length >= 15, VALIDATORS.map(([n]) => n).join(', '));
  });

  it('a property named like a secret (password, credentials, api_key, auth_token, token) is marked secret: true', () => {
    const SECRET_NAMES = new Set(['password', 'credentials', 'api_key', 'auth_token', 'token']);
    const unmarked: string[] = [];
    for (const [name, v] of VALIDATORS) {
      walkSchema(v.schema, (s, path) => {
        for (const [prop, sub] of Object.entries((s['properties'] as Record<string, Record<string, unknown>>) ?? {})) {
          if (SECRET_NAMES.has(prop) && sub['type'] === 'string' && sub['secret'] !== true) unmarked.push(`${name} ${path}/properties/${prop}`);
        }
      });
    }
    assert.deepEqual(unmarked, []);
  });
});

describe('contracts: the secret keyword', () => {
  it('is known to the one ajv instance (strict mode) and validates nothing', () => {
    assert.ok(validator({ type: 'string', secret: true })('x').ok);
  });
});

describe('contracts: unionValidator (a message checked by its own type’s schema)', () => {
  const cases = (types: readonly string[]) =>
    types.flatMap((type) => [
      { type },
      { type, command_id: 'short', account_id: 'nope', recipient_id: 42, shard_count: 0, extra: true },
      { type, account_id: 'a'.repeat(32), recipient_ids: ['x'], user: { first_name: 7 }, limit: 1000 },
    ]);
  const others = [
    {},
    { type: 'steal' },
    { type: 7 },
    [],
    null,
    'login',
    { type: '__proto__' },
    // valid ones
    { type: 'cluster_info' },
    { type: 'login', command_id: 'command-0001', account_id: 'a'.repeat(32), recipient_id: 'b'.repeat(32), shard_count: 64 },
  ];

  it('gives the verdict and details of the whole union schema, for every type and for unknown ones', () => {
    for (const [fast, schema, types] of [
      [contracts.validateShardMessage, contracts.shardMessageSchema, contracts.SHARD_MESSAGE_TYPES],
      [contracts.validateDirectoryRequest, contracts.directoryRequestSchema, contracts.DIRECTORY_REQUEST_TYPES],
    ] as const) {
      const whole = validator<unknown>(schema);
      for (const value of [...cases(types), ...others]) assert.deepEqual(fast(value), whole(value), JSON.stringify(value));
    }
  });
});
