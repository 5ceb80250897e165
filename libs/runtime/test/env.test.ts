import assert from 'node:assert/strict';
import { ConfigError, integer, oneOf, onOff, optionalInteger, raw, url } from '@qubicle/runtime';

/** The ConfigError `read` throws; fails when it throws something else or nothing. */
function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('env readers', () => {
  it('raw: trimmed, blank = unset', () => {
    assert.equal(raw({ A: '  x ' }, 'A'), 'x');
    assert.equal(raw({ A: '   ' }, 'A'), undefined);
    assert.equal(raw({}, 'A'), undefined);
  });

  it('integer: the default when unset, whole numbers within bounds only', () => {
    assert.equal(integer({}, 'N', 7, 0, 10), 7);
    assert.equal(integer({ N: ' 10 ' }, 'N', 7, 0, 10), 10);
    assert.equal(integer({ N: '-3' }, 'N', 7, -5, 10), -3);
    assert.match(configError(() => integer({ N: '1.5' }, 'N', 7, 0, 10)).message, /^N: must be an integer, got "1.5"$/);
    assert.match(configError(() => integer({ N: '11' }, 'N', 7, 0, 10)).message, /^N: must be between 0 and 10, got 11$/);
  });

  it('optionalInteger: undefined when unset', () => {
    assert.equal(optionalInteger({}, 'N', 1, 10), undefined);
    assert.equal(optionalInteger({ N: '4' }, 'N', 1, 10), 4);
    assert.equal(configError(() => optionalInteger({ N: '0' }, 'N', 1, 10)).variable, 'N');
  });

  it('oneOf: exactly one of the words', () => {
    assert.equal(oneOf({}, 'W', ['a', 'b'] as const, 'a'), 'a');
    assert.equal(oneOf({ W: 'b' }, 'W', ['a', 'b'] as const, 'a'), 'b');
    assert.match(configError(() => oneOf({ W: 'B' }, 'W', ['a', 'b'] as const, 'a')).message, /^W: must be one of a\|b, got "B"$/);
  });

  it('onOff: on/true/1, off/false/0, any case', () => {
    assert.equal(onOff({}, 'S', true), true);
    for (const v of ['on', 'TRUE', '1']) assert.equal(onOff({ S: v }, 'S', false), true, v);
    for (const v of ['Off', 'false', '0']) assert.equal(onOff({ S: v }, 'S', true), false, v);
    assert.match(configError(() => onOff({ S: 'maybe' }, 'S', true)).message, /^S: must be on or off, got "maybe"$/);
  });

  it('url: one of the protocols, as written', () => {
    assert.equal(url({}, 'U', ['amqp:']), undefined);
    assert.equal(url({ U: 'amqp://u:p@h:5672/v' }, 'U', ['amqp:', 'amqps:']), 'amqp://u:p@h:5672/v');
    assert.match(configError(() => url({ U: 'not a url' }, 'U', ['amqp:'])).message, /^U: is not a valid URL$/);
    assert.match(configError(() => url({ U: 'http://h' }, 'U', ['amqp:', 'amqps:'])).message, /^U: must use amqp:\/\/ or amqps:\/\/, got http:\/\/$/);
  });

  it('ConfigError names the variable', () => {
    const err = new ConfigError('PORT', 'is wrong');
    assert.equal(err.name, 'ConfigError');
    assert.equal(err.variable, 'PORT');
    assert.equal(err.message, 'PORT: is wrong');
  });
});
