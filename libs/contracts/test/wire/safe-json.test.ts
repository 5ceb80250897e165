import { strict as assert } from 'node:assert';
import {
  BUS_JSON_MAX_DEPTH,
  CLIENT_JSON_MAX_DEPTH,
  FORBIDDEN_JSON_KEYS,
  QubicleFailure,
  UnsafeJsonError,
  parseJson,
  stringifyJson,
} from '@qubicle/contracts';

function refusal(text: string, maxDepth?: number): UnsafeJsonError {
  try {
    parseJson(text, maxDepth);
  } catch (err) {
    assert.ok(err instanceof UnsafeJsonError, `UnsafeJsonError, got ${String(err)}`);
    return err;
  }
  assert.fail(`accepted: ${text.slice(0, 80)}`);
}

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('contracts: parseJson, the one JSON parse of every entrance', () => {
  it('is JSON.parse for ordinary JSON, duplicate keys included (the last one wins)', () => {
    for (const text of ['{"a":1,"b":[true,null,"x"]}', '[]', '"s"', '12', 'null', '{"status":"__proto__ is a word","s":"constructor"}']) {
      assert.deepEqual(parseJson(text), JSON.parse(text));
    }
    assert.deepEqual(parseJson('{"status":"away","status":"ready"}'), { status: 'ready' });
  });

  it('refuses __proto__, constructor and prototype keys at any depth', () => {
    for (const key of FORBIDDEN_JSON_KEYS) {
      for (const text of [`{"${key}":1}`, `{"data":{"x":[{"${key}":{}}]}}`, `[[{"ok":1},{"${key}":null}]]`]) {
        const err = refusal(text);
        assert.equal(err.reason, 'forbidden_key');
        assert.equal(err.message, `the key "${key}" is not allowed`);
      }
    }
  });

  it('refuses them in any spelling: a \\u escape is the same key', () => {
    assert.equal(refusal('{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}}').reason, 'forbidden_key');
    assert.equal(refusal('{"a":{"\\u0063onstructor":{}}}').reason, 'forbidden_key');
    // an escape elsewhere is fine
    assert.deepEqual(parseJson('{"name":"caf\\u00e9"}'), { name: 'café' });
  });

  it('refuses nesting deeper than the limit, counting only brackets outside strings', () => {
    assert.deepEqual(parseJson(nested(CLIENT_JSON_MAX_DEPTH), CLIENT_JSON_MAX_DEPTH), JSON.parse(nested(CLIENT_JSON_MAX_DEPTH)));
    const deep = refusal(nested(CLIENT_JSON_MAX_DEPTH + 1), CLIENT_JSON_MAX_DEPTH);
    assert.equal(deep.reason, 'too_deep');
    assert.equal(deep.message, `nested deeper than ${CLIENT_JSON_MAX_DEPTH} levels`);
    assert.equal(refusal(`{"a":${nested(BUS_JSON_MAX_DEPTH, '{"b":', '}').replace(/\{"b":\}/, '{"b":1}')}}`).reason, 'too_deep');
    // 10,000 levels (issue 11) never reach JSON.parse or anything recursive
    assert.equal(refusal(nested(10_000, '{"a":', '}').replace('{"a":}', '1'), CLIENT_JSON_MAX_DEPTH).reason, 'too_deep');
    // brackets in strings, escaped quotes included, are not nesting
    const text = `{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}","b":[[1]]}`;
    assert.deepEqual(parseJson(text, 3), JSON.parse(text));
    // many siblings are not depth either
    const wide = `[${Array.from({ length: 5000 }, () => '{"x":[1]}').join(',')}]`;
    assert.equal((parseJson(wide, 3) as unknown[]).length, 5000);
  });

  it('a syntax error is an UnsafeJsonError with JSON.parse\'s message', () => {
    const err = refusal('{"a":');
    assert.equal(err.reason, 'syntax');
    assert.ok(err.message.length > 0 && err.message.length <= 200);
  });

  it('is a QubicleFailure invalid_message, so it maps to a 400 / an invalid-message reply wherever it surfaces', () => {
    const err = refusal('{"__proto__":{}}');
    assert.ok(err instanceof QubicleFailure);
    assert.equal(err.error.code, 'invalid_message');
  });

  it('leaves Object.prototype alone whatever it is given', () => {
    for (const text of ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}']) refusal(text);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });
});

describe('contracts: stringifyJson', () => {
  it('is JSON.stringify, with undefined as "null"', () => {
    assert.equal(stringifyJson({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(stringifyJson(undefined), 'null');
  });

  it('a value too deep for the stack, a cycle or a BigInt: UnsafeJsonError unserialisable, not a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const value of [deep, cyclic, { n: 1n }]) {
      assert.throws(
        () => stringifyJson(value),
        (err: unknown) => err instanceof UnsafeJsonError && err.reason === 'unserialisable' && err.error.code === 'invalid_message',
      );
    }
  });
});
