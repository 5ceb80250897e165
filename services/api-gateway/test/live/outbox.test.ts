/** One socket's way out: corked writes, backpressure, nothing after close (src/live/outbox.ts). */
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { noLiveMetrics } from '../../src/live/metrics.js';
import { Outbox } from '../../src/live/outbox.js';

function fakeSocket() {
  const log: string[] = [];
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    _socket: {
      writableLength: 0,
      cork: () => log.push('cork'),
      uncork: () => log.push('uncork'),
      write: (b: Buffer) => log.push(`frame:${b.toString()}`) > 0,
    },
    send: (payload: string) => log.push(`send:${payload}`),
  };
  return { ws, log };
}

function outbox(ws: object, state: { closed?: boolean; max?: number } = {}) {
  const calls = { uncorkLater: 0, overflowed: 0, sent: 0 };
  const box = new Outbox(ws as unknown as WebSocket, {
    metrics: { ...noLiveMetrics, messagesSent: (n) => void (calls.sent += n) },
    maxBufferedBytes: state.max ?? 1000,
    closed: () => state.closed === true,
    uncorkLater: () => calls.uncorkLater++,
    overflowed: () => calls.overflowed++,
  });
  return { box, calls };
}

describe('live: outbox of one socket', () => {
  it('what one turn sends goes out in one write: corked once, uncorked when asked', () => {
    const { ws, log } = fakeSocket();
    const { box, calls } = outbox(ws);
    box.write(Buffer.from('e1'));
    box.send('{"reply":1}');
    box.write(Buffer.from('e2'));
    assert.deepEqual(log, ['cork', 'frame:e1', 'send:{"reply":1}', 'frame:e2'], 'in order, on one stream');
    assert.equal(calls.uncorkLater, 1);
    assert.equal(calls.sent, 3);
    box.uncork();
    box.uncork();
    assert.deepEqual(log.slice(4), ['uncork'], 'uncorked once');
    box.write(Buffer.from('e3'));
    assert.equal(calls.uncorkLater, 2, 'the next turn corks again');
  });

  it('a client that does not read: past the limit the socket is a slow consumer', () => {
    const { ws } = fakeSocket();
    const { box, calls } = outbox(ws, { max: 10 });
    ws.bufferedAmount = 10;
    box.write(Buffer.from('x'));
    assert.equal(calls.overflowed, 0, 'at the limit is fine');
    ws.bufferedAmount = 11;
    box.send('y');
    assert.equal(calls.overflowed, 1);
  });

  it('nothing is sent once closed, nor framed onto a websocket that is not open', () => {
    const { ws, log } = fakeSocket();
    const state = { closed: false };
    const { box } = outbox(ws, state);
    ws.readyState = 2;
    box.write(Buffer.from('late'));
    assert.deepEqual(log, []);
    ws.readyState = 1;
    state.closed = true;
    box.write(Buffer.from('x'));
    box.send('y');
    assert.deepEqual(log, []);
  });
});
