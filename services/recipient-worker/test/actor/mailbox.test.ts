import assert from 'node:assert/strict';
import { Mailbox } from '../../src/actor/mailbox.js';
import { deferred, within } from '../support/wait.js';

describe('actor: mailbox', () => {
  it('runs tasks one at a time in the order posted', async () => {
    const box = new Mailbox();
    const log: string[] = [];
    const gate = deferred();
    const a = box.post(async () => {
      log.push('a start');
      await gate.promise;
      log.push('a end');
      return 'a';
    });
    const b = box.post(async () => {
      log.push('b');
      return 'b';
    });
    await Promise.resolve();
    assert.deepEqual(log, ['a start']);
    assert.equal(box.size, 2);
    gate.resolve();
    assert.deepEqual(await within(Promise.all([a, b])), ['a', 'b']);
    assert.deepEqual(log, ['a start', 'a end', 'b']);
  });

  it('a failing task rejects its own promise only', async () => {
    const box = new Mailbox();
    const bad = box.post(async () => {
      throw new Error('boom');
    });
    const good = box.post(async () => 42);
    await assert.rejects(bad, /boom/);
    assert.equal(await good, 42);
  });

  it('idle() waits for everything posted, including tasks posted meanwhile', async () => {
    const box = new Mailbox();
    const done: number[] = [];
    const gate = deferred();
    void box.post(async () => {
      await gate.promise;
      done.push(1);
      void box.post(async () => void done.push(2));
    });
    const idle = box.idle();
    gate.resolve();
    await within(idle);
    assert.deepEqual(done, [1, 2]);
    assert.equal(box.size, 0);
  });
});
