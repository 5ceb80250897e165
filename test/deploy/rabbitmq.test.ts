/**
 * deploy/rabbitmq/rabbitmq-users.sh, checked without a broker: each role's permission regexes
 * allow the names that role uses (libs/contracts/src/names.ts) and nothing the others own, and
 * docs/operations.md shows exactly these regexes. The same script is run against the real broker
 * by test/ops/bus-permissions.test.ts, which shows the broker enforcing them.
 */
import { strict as assert } from 'node:assert';
import {
  AUTH_EXCHANGE,
  CONTROL_EXCHANGE,
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  DIRECTORY_QUEUE,
  QUEUE_SESSIONS_QUEUE,
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  accountEventBinding,
  accountQueueEventBinding,
  accountSessionEventBinding,
  presenceQueue,
  queueEventKey,
  recipientEventKey,
  sessionEventKey,
  shardQueue,
} from '@qubicle/contracts';
import * as names from '../../libs/contracts/src/names.js';
import { readText } from './support/deploy.js';
import { accountTopicRead, brokerRoles, ROLES, type BrokerRole } from './support/rabbitmq-roles.js';

const roles = brokerRoles();
/** A server-named queue as RabbitMQ names them. */
const SERVER_NAMED = 'amq.gen-Xy3_kq9Zr0aBcD-4eFgH1A';
const SHARDS = [shardQueue(0), shardQueue(63), shardQueue(4095)];
const EXCHANGES = [EVENTS_EXCHANGE, FEED_EXCHANGE, CONTROL_EXCHANGE, AUTH_EXCHANGE, DEAD_LETTER_EXCHANGE];
const WORKER_QUEUES = [...SHARDS, DIRECTORY_QUEUE, QUEUE_SESSIONS_QUEUE, DEAD_LETTER_QUEUE, presenceQueue('worker-1')];

/** What each role must be allowed (configure, write, read), and what it must not. */
const EXPECTED: Record<BrokerRole, Record<'configure' | 'write' | 'read', { allow: string[]; deny: string[] }>> = {
  WORKER: {
    configure: { allow: [...WORKER_QUEUES, ...EXCHANGES, SERVER_NAMED], deny: ['amq.default', 'qubicle.other', 'sales.queue'] },
    write: { allow: ['amq.default', ...EXCHANGES, DEAD_LETTER_QUEUE, SERVER_NAMED], deny: [...SHARDS, DIRECTORY_QUEUE, presenceQueue('worker-1'), 'amq.topic', 'qubicle.other'] },
    read: { allow: [...WORKER_QUEUES, EVENTS_EXCHANGE, CONTROL_EXCHANGE, DEAD_LETTER_EXCHANGE, SERVER_NAMED], deny: [FEED_EXCHANGE, AUTH_EXCHANGE, 'qubicle.other', 'sales.queue'] },
  },
  GATEWAY: {
    configure: { allow: [SERVER_NAMED], deny: [...WORKER_QUEUES, ...EXCHANGES, 'amq.default'] },
    write: { allow: ['amq.default', SERVER_NAMED], deny: [...EXCHANGES, ...WORKER_QUEUES] },
    read: { allow: [FEED_EXCHANGE, EVENTS_EXCHANGE, CONTROL_EXCHANGE, AUTH_EXCHANGE, SERVER_NAMED], deny: [...WORKER_QUEUES, DEAD_LETTER_EXCHANGE] },
  },
  SERVICE: {
    configure: { allow: [SERVER_NAMED], deny: [...WORKER_QUEUES, ...EXCHANGES] },
    write: { allow: ['amq.default', SERVER_NAMED], deny: [...EXCHANGES, ...WORKER_QUEUES] },
    read: { allow: [EVENTS_EXCHANGE, SERVER_NAMED], deny: [...WORKER_QUEUES, FEED_EXCHANGE, CONTROL_EXCHANGE, AUTH_EXCHANGE, DEAD_LETTER_EXCHANGE] },
  },
  EVENTS: {
    configure: { allow: [SERVER_NAMED], deny: [...WORKER_QUEUES, ...EXCHANGES] },
    // no amq.default: it can publish nothing at all (binding its own queue is a write on that queue)
    write: { allow: [SERVER_NAMED], deny: ['amq.default', ...EXCHANGES, ...WORKER_QUEUES] },
    read: { allow: [EVENTS_EXCHANGE, SERVER_NAMED], deny: [...WORKER_QUEUES, FEED_EXCHANGE, CONTROL_EXCHANGE, AUTH_EXCHANGE, DEAD_LETTER_EXCHANGE] },
  },
};

describe('deploy: RabbitMQ roles (deploy/rabbitmq/rabbitmq-users.sh)', () => {
  it('one user per role, distinct', () => {
    assert.deepEqual(
      ROLES.map((r) => roles[r].user),
      ['qubicle-worker', 'qubicle-gateway', 'qubicle-service', 'qubicle-events'],
    );
  });

  it('every exchange and queue of libs/contracts/src/names.ts has a decision for every role (a new one fails here)', () => {
    const constants = (Object.values(names) as unknown[]).filter((v): v is string => typeof v === 'string');
    const generated = [shardQueue(0), presenceQueue('worker-1')];
    assert.ok(constants.length >= 5);
    for (const role of ROLES) {
      for (const op of ['configure', 'write', 'read'] as const) {
        const decided = new Set([...EXPECTED[role][op].allow, ...EXPECTED[role][op].deny]);
        for (const name of [...constants, ...generated]) assert.ok(decided.has(name), `${role} ${op}: decide about ${name}`);
      }
    }
  });

  for (const role of ROLES) {
    it(`${role}: its regexes allow what it does and nothing it must not`, () => {
      for (const op of ['configure', 'write', 'read'] as const) {
        const regex = roles[role][op];
        assert.match(regex, /^\^.*\$$/, `${role} ${op} is anchored`);
        const re = new RegExp(regex);
        for (const name of EXPECTED[role][op].allow) assert.ok(re.test(name), `${role} may ${op} ${name} (${regex})`);
        for (const name of EXPECTED[role][op].deny) assert.ok(!re.test(name), `${role} may not ${op} ${name} (${regex})`);
      }
    });
  }

  it('an account-restricted role binds that account\'s recipient, queue and session events, and nothing else', () => {
    const account = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const other = 'deadbeefdeadbeefdeadbeefdeadbeef';
    const re = new RegExp(accountTopicRead(account));
    const allow = [
      accountEventBinding(account),
      accountQueueEventBinding(account),
      accountSessionEventBinding(account),
      recipientEventKey(account, other, 'ready'),
      queueEventKey(account, other, 'join'),
      sessionEventKey(account, 'call-4711', 'delete'),
    ];
    const deny = [
      accountEventBinding(other),
      accountQueueEventBinding(other),
      accountSessionEventBinding(other),
      'qubicle.#',
      'qubicle.queue.#',
      'qubicle.session.*.*.*',
      `qubicle.*.${account}.*.*`,
      `qubicle.other.${account}.x.y`,
      `qubicle.queue.${account}`, // no trailing dot: a prefix of another account id could pass otherwise
    ];
    for (const key of allow) assert.ok(re.test(key), `may bind ${key} (${re.source})`);
    for (const key of deny) assert.ok(!re.test(key), `may not bind ${key} (${re.source})`);
  });

  it('docs/operations.md shows the rabbitmqctl command of each role with exactly these regexes', () => {
    const doc = readText('docs/operations.md');
    for (const role of ROLES) {
      const { user, configure, write, read } = roles[role];
      const command = `rabbitmqctl set_permissions -p qubicle ${user} '${configure}' '${write}' '${read}'`;
      assert.ok(doc.includes(command), `docs/operations.md has: ${command}`);
    }
    const topic = `rabbitmqctl set_topic_permissions -p qubicle qubicle-events qubicle.events '^$' '${accountTopicRead('<account_id>')}'`;
    assert.ok(doc.includes(topic), `docs/operations.md has: ${topic}`);
  });
});
