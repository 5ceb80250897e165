/**
 * Reply addresses (direct-reply-to.ts, reply-channel.ts) on the real RabbitMQ: a request whose
 * replyTo cannot be published to must not take the server off the broker (issue 11, item 2: a
 * malformed `amq.rabbitmq.reply-to.…` name made RabbitMQ 3.10 close the worker's connection with
 * 541, and the request came back after every reconnect).
 *
 * A raw amqplib publisher plays the foreign caller. Asserted each time: the server's connection
 * never went down, nothing is redelivered, the next normal request is answered at once.
 */
import assert from 'node:assert/strict';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { createAmqpBus, type AmqpBus, type IncomingMessage, type Logger } from '../../src/index.js';
import { DIRECT_REPLY_TO_PREFIX, directReplyToProblem } from '../../src/amqp/direct-reply-to.js';
import { pidName } from '../support/reply-names.js';
import { createTestVhost, type TestVhost } from '../support/vhost.js';
import { Condition } from '../support/wait.js';

const QUEUE = 'reply-address.commands';
const DLX = 'reply-address.dead-letter';
const DLQ = 'reply-address.dead-letter.q';
const KEY = 'GMYm51TbDDhiSwXf8XSLQA==';

/** Log lines of the server bus, to see what its reply connection went through. */
function recordingLogger(lines: Array<{ level: string; msg: string; o: object }>, notify: () => void): Logger {
  const at = (level: string) => (o: object, msg?: string) => {
    lines.push({ level, msg: msg ?? '', o });
    notify();
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('amqp: reply addresses', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let server: AmqpBus;
  let client: AmqpBus;
  let raw: ChannelModel;
  let rawCh: Channel;
  const changed = new Condition();
  const handled: IncomingMessage[] = [];
  const logs: Array<{ level: string; msg: string; o: object }> = [];
  const states: boolean[] = [];
  const deadLetters: ConsumeMessage[] = [];
  /** a name the broker itself wrote into a request of a raw caller */
  let realName = '';
  /** the broker node's part of it: `reply@<hash>` */
  let realNode = '';

  before(async () => {
    vhost = await createTestVhost();
    server = createAmqpBus({ url: vhost.url, name: 'reply-address-server', logger: recordingLogger(logs, () => changed.notify()), reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    client = createAmqpBus({ url: vhost.url, name: 'reply-address-client' });
    await Promise.all([server.waitForConnection(10_000), client.waitForConnection(10_000)]);
    server.onStateChange((up) => {
      states.push(up);
      changed.notify();
    });
    await server.declareExchange(DLX, 'fanout');
    await server.declareQueue({ name: DLQ }, [{ exchange: DLX, routingKey: '' }]);
    await server.serve(
      { name: QUEUE },
      async (msg) => {
        handled.push(msg);
        changed.notify();
        return { ok: true, echo: msg.body };
      },
      { prefetch: 10, deadLetterExchange: DLX },
    );
    raw = await amqp.connect(vhost.url, { noDelay: true });
    raw.on('error', () => {});
    rawCh = await raw.createChannel();
    rawCh.on('error', () => {});
    await rawCh.consume(DLQ, (m) => {
      if (!m) return;
      deadLetters.push(m);
      rawCh.ack(m);
      changed.notify();
    });
    // The broker writes the real name into the request of a caller that consumes amq.rabbitmq.reply-to.
    const caller = await raw.createChannel();
    await caller.consume('amq.rabbitmq.reply-to', () => {}, { noAck: true });
    caller.sendToQueue(QUEUE, Buffer.from('{"probe":true}'), { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'probe' });
    await changed.wait(() => handled.some((m) => m.correlationId === 'probe'), 10_000, 'the probe request');
    realName = handled.find((m) => m.correlationId === 'probe')!.replyTo!;
    const pid = Buffer.from(realName.slice(DIRECT_REPLY_TO_PREFIX.length).split('.')[0]!, 'base64');
    realNode = pid.subarray(5, 5 + pid.readUInt16BE(3)).toString('utf8');
    await caller.close(); // that caller is gone now: its name is a stale one
  });
  after(async () => {
    await client?.close();
    await server?.close();
    await raw?.close().catch(() => undefined);
    await vhost?.dispose();
  });

  describe('the check (unit)', () => {
    it("accepts the broker's own names, of a live or a departed caller", () => {
      assert.match(realName, /^amq\.rabbitmq\.reply-to\./);
      assert.equal(directReplyToProblem(realName), undefined, realName);
      assert.match(realNode, /^reply@\d+$/, 'RabbitMQ >= 3.10 encoding');
      assert.equal(directReplyToProblem(DIRECT_REPLY_TO_PREFIX + pidName(realNode, 12345, 7, 1) + '.' + KEY), undefined);
    });

    for (const [why, name, reason] of [
      ['a queue name', 'some.queue', /not a direct reply-to address/],
      ['the bare prefix', 'amq.rabbitmq.reply-to', /not a direct reply-to address/],
      ['garbage', `${DIRECT_REPLY_TO_PREFIX}garbage.${KEY}`, /channel .* not base64/],
      ['a key of garbage', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@1', 1, 0, 1)}.key`, /key .* not base64/],
      ['one part', `${DIRECT_REPLY_TO_PREFIX}abc`, /<channel>\.<key>/],
      ['three parts', `${DIRECT_REPLY_TO_PREFIX}a.b.c`, /<channel>\.<key>/],
      ['empty key', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@1', 1, 0, 1)}.`, /<channel>\.<key>/],
      ['base64 of no term', `${DIRECT_REPLY_TO_PREFIX}AAAA.${KEY}`, /no pid term/],
      ['an atom term', `${DIRECT_REPLY_TO_PREFIX}${Buffer.from([131, 100, 0, 3, 97, 98, 99]).toString('base64')}.${KEY}`, /no pid term/],
      ['a node name of the old encoding', `${DIRECT_REPLY_TO_PREFIX}${pidName('rabbit@localhost', 1, 0, 1)}.${KEY}`, /reply@<hash>/],
      ['a node hash that is not a number', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@abc', 1, 0, 1)}.${KEY}`, /reply@<hash>/],
      ['a latin-1 node atom', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@1', 1, 0, 1, 100)}.${KEY}`, /no node name/],
      ['trailing bytes', `${DIRECT_REPLY_TO_PREFIX}${Buffer.concat([Buffer.from(pidName('reply@1', 1, 0, 1), 'base64'), Buffer.from([0, 0, 0])]).toString('base64')}.${KEY}`, /wrong length/],
      ['unpadded base64', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@12', 1, 0, 1).replace(/=+$/, '')}.${KEY}`, /not base64/],
      ['a key that is not base64', `${DIRECT_REPLY_TO_PREFIX}${pidName('reply@1', 1, 0, 1)}.k%y`, /key .* not base64/],
    ] as const) {
      it(`refuses ${why}`, () => assert.match(directReplyToProblem(name) ?? 'accepted', reason));
    }
  });

  /** Sends one request as a foreign caller; returns its correlation id. */
  function sendRaw(replyTo: string, body: unknown = { n: 1 }): string {
    const correlationId = `raw-${Math.random().toString(36).slice(2)}`;
    rawCh.sendToQueue(QUEUE, Buffer.from(JSON.stringify(body)), { replyTo, correlationId, messageId: correlationId });
    return correlationId;
  }

  async function assertStillServing(what: string): Promise<void> {
    const t0 = Date.now();
    assert.deepEqual(await client.call(QUEUE, { after: what }, { timeoutMs: 5000 }), { ok: true, echo: { after: what } });
    assert.ok(Date.now() - t0 < 2000, `answered at once (${Date.now() - t0} ms)`);
    assert.deepEqual(states, [], "the server's connection never went down");
    assert.equal(server.reconnects, 0);
    assert.ok((await vhost.listConnections()).includes('reply-address-server'));
    assert.equal((await rawCh.checkQueue(QUEUE)).messageCount, 0, 'nothing left in the queue');
  }

  it('a malformed direct reply-to name: not executed, dead-lettered with the reason, acked; the server stays connected', async () => {
    const bad = `${DIRECT_REPLY_TO_PREFIX}garbage.key`;
    const id = sendRaw(bad);
    await changed.wait(() => deadLetters.some((m) => m.properties.headers?.['x-correlation-id'] === id), 10_000, 'the dead letter');
    const dl = deadLetters.find((m) => m.properties.headers?.['x-correlation-id'] === id)!;
    assert.match(String(dl.properties.headers?.['x-reason']), /^invalid_reply_to: .*not base64/);
    assert.equal(dl.properties.headers?.['x-original-queue'], QUEUE);
    assert.equal(dl.content.toString(), '{"n":1}', 'the original body');
    assert.ok(!handled.some((m) => m.correlationId === id), 'the handler never ran');
    assert.ok(logs.some((l) => l.msg === 'request with an invalid reply address: not executed, not answered'));
    await assertStillServing('malformed');
    assert.ok(!handled.some((m) => m.correlationId === id), 'and it never came back');
  });

  it('any other replyTo (a queue name) is refused the same way: replies go to direct reply-to addresses only', async () => {
    await server.declareQueue({ name: 'reply-address.victim', durable: false });
    const id = sendRaw('reply-address.victim');
    await changed.wait(() => deadLetters.some((m) => m.properties.headers?.['x-correlation-id'] === id), 10_000, 'the dead letter');
    assert.ok(!handled.some((m) => m.correlationId === id));
    assert.equal((await rawCh.checkQueue('reply-address.victim')).messageCount, 0, 'nothing was published into the named queue');
    await assertStillServing('queue name');
  });

  it("the name of a caller that has gone: executed once, the broker drops the reply, nothing else happens", async () => {
    const id = sendRaw(realName);
    await changed.wait(() => handled.some((m) => m.correlationId === id), 10_000, 'the request');
    await assertStillServing('stale caller');
    assert.equal(handled.filter((m) => m.correlationId === id).length, 1);
  });

  /**
   * Does this broker close a publisher's connection for a reply to `name`? Asked with a raw
   * connection: a publish, then a round trip on the same channel, which only comes back if the
   * channel survived the publish.
   */
  async function brokerCrashesOn(name: string): Promise<boolean> {
    const conn = await amqp.connect(vhost.url, { noDelay: true });
    conn.on('error', () => {});
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    ch.publish('', name, Buffer.from('{}'));
    try {
      await ch.checkQueue(QUEUE);
      return false;
    } catch {
      return true;
    } finally {
      await conn.close().catch(() => undefined);
    }
  }

  it('a well-formed name of a node not in the cluster: executed once; at worst the REPLY connection is closed, never the consumers', async () => {
    // The hash of no running node: RabbitMQ 3.10-3.12 cannot route it and crash the publisher (541).
    const hash = Number(realNode.slice('reply@'.length)) === 1 ? 2 : 1;
    const name = `${DIRECT_REPLY_TO_PREFIX}${pidName(`reply@${hash}`, 1, 0, 1)}.${KEY}`;
    assert.equal(directReplyToProblem(name), undefined, 'well-formed: the check cannot tell');
    const crashes = await brokerCrashesOn(name);
    process.stdout.write(`      (this broker ${crashes ? 'closes the publisher\'s connection (541)' : 'drops the reply'})\n`);
    const linesBefore = logs.length;
    const id = sendRaw(name);
    await changed.wait(() => handled.some((m) => m.correlationId === id), 10_000, 'the request');
    if (crashes) {
      // Replies written in the same moment as the bad one are lost with the reply connection; wait
      // until it is back before asking again.
      const since = () => logs.slice(linesBefore).map((l) => l.msg);
      await changed.wait(() => since().some((m) => /^reply connection closed by the broker with 541/.test(m)), 10_000, 'the 541 of the reply connection, logged');
      await changed.wait(() => since().includes('reply channel open again'), 10_000, 'the reply channel reopened');
    }
    await assertStillServing('unknown node');
    assert.equal(handled.filter((m) => m.correlationId === id).length, 1, 'executed once, never redelivered');
  });
});
