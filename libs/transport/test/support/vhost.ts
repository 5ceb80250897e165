/**
 * Test isolation on the real RabbitMQ: a fresh vhost per test run, deleted afterwards.
 * Dependency-free (node builtins + the `rabbitmqctl` CLI), so any package's tests can import it:
 *
 *   import { createTestVhost, type TestVhost } from '../../../libs/transport/test/support/vhost.js';
 *   let vhost: TestVhost;
 *   before(async () => { vhost = await createTestVhost(); });
 *   after(async () => { await vhost.dispose(); });
 *
 * Broker location: `AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672). If the broker does not
 * answer, this FAILS loudly (never skips) and says how to start it.
 * The broker is administered with `rabbitmqctl`; set `RABBITMQCTL` to another command line for a
 * broker that is not local, e.g. `RABBITMQCTL="docker exec <container> rabbitmqctl"`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';

export interface TestVhost {
  /** AMQP URL of the vhost (same host/credentials as AMQP_URL). */
  url: string;
  name: string;
  /** Deletes the vhost (closing its connections). Idempotent. */
  dispose(): Promise<void>;
  /** Forcibly closes every client connection of this vhost from the broker side. */
  closeAllConnections(reason?: string): Promise<void>;
  /** Names (client-provided `connection_name`, '' if none) of the vhost's open connections. */
  listConnections(): Promise<string[]>;
  /** Forcibly closes (broker side) the vhost's connections whose `connection_name` is `name`; returns how many. */
  closeConnectionsNamed(name: string, reason?: string): Promise<number>;
  /**
   * A broker user (unique name, random password) with these permissions on this vhost only;
   * deleted by `dispose()`. `url` is this vhost's URL logged in as that user.
   */
  createUser(permissions: UserPermissions): Promise<TestUser>;
  /** Remembers a user created some other way (e.g. by a deploy script), to delete it in `dispose()`. */
  adoptUser(name: string): void;
}

/** RabbitMQ permission regexes (configure, write, read), plus topic permissions per exchange. */
export interface UserPermissions {
  configure: string;
  write: string;
  read: string;
  topics?: Array<{ exchange: string; write: string; read: string }>;
}

export interface TestUser {
  name: string;
  password: string;
  url: string;
}

const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const HOW_TO_START =
  'Start the local broker with `rabbitmq-server -detached` (wait a few seconds, check with `rabbitmqctl status`), ' +
  'or point AMQP_URL at a running RabbitMQ.';

export function rabbitmqctl(args: string[], timeoutMs = 30_000): Promise<string> {
  const [cmd = 'rabbitmqctl', ...prefix] = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').trim().split(/\s+/);
  return new Promise((resolve, reject) => {
    execFile(cmd, [...prefix, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        const detail = `${String(stderr).trim()} ${String(stdout).trim()}`.trim();
        reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${err.message}${detail ? `\n${detail}` : ''}\n${HOW_TO_START}`));
        return;
      }
      resolve(String(stdout));
    });
  });
}

function probeTcp(host: string, port: number, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.end();
      resolve();
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function connections(vhost: string): Promise<Array<{ pid: string; connectionName: string }>> {
  const out = await rabbitmqctl(['list_connections', '--vhost', vhost, '--no-table-headers', '--quiet', 'pid', 'client_properties']);
  const result: Array<{ pid: string; connectionName: string }> = [];
  for (const line of out.split('\n')) {
    const pid = /^\s*(<[^>]+>)/.exec(line)?.[1];
    if (!pid) continue;
    const name = /\{"connection_name",(?:longstr,)?"((?:[^"\\]|\\.)*)"\}/.exec(line)?.[1];
    result.push({ pid, connectionName: name ?? '' });
  }
  return result;
}

export async function createTestVhost(): Promise<TestVhost> {
  const base = new URL(process.env['AMQP_URL'] ?? DEFAULT_URL);
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const port = base.port ? Number(base.port) : 5672;
  const user = base.username ? decodeURIComponent(base.username) : 'guest';
  try {
    await probeTcp(host, port);
  } catch (err) {
    throw new Error(
      `RabbitMQ is not answering on ${host}:${port} (${(err as Error).message}). ${HOW_TO_START}`,
    );
  }

  const name = `qtest-${randomBytes(6).toString('hex')}`;
  await rabbitmqctl(['add_vhost', name]);
  await rabbitmqctl(['set_permissions', '-p', name, user, '.*', '.*', '.*']);

  const url = new URL(base.href);
  url.pathname = `/${encodeURIComponent(name)}`;
  let disposed: Promise<void> | undefined;
  const users = new Set<string>();

  return {
    url: url.href,
    name,
    dispose() {
      disposed ??= (async () => {
        await rabbitmqctl(['delete_vhost', name]);
        // a user that is already gone (deleted by the test itself) is not an error here
        for (const user of users) await rabbitmqctl(['delete_user', user]).catch(() => undefined);
      })();
      return disposed;
    },
    async createUser(permissions) {
      const user = `${name}-${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      users.add(user);
      await rabbitmqctl(['add_user', user, password]);
      await rabbitmqctl(['set_permissions', '-p', name, user, permissions.configure, permissions.write, permissions.read]);
      for (const t of permissions.topics ?? []) await rabbitmqctl(['set_topic_permissions', '-p', name, user, t.exchange, t.write, t.read]);
      const userUrl = new URL(url.href);
      userUrl.username = encodeURIComponent(user);
      userUrl.password = encodeURIComponent(password);
      return { name: user, password, url: userUrl.href };
    },
    adoptUser(user) {
      users.add(user);
    },
    async closeAllConnections(reason = 'test: forced close') {
      await rabbitmqctl(['close_all_connections', '--vhost', name, reason]);
    },
    async listConnections() {
      return (await connections(name)).map((c) => c.connectionName);
    },
    async closeConnectionsNamed(connectionName, reason = 'test: forced close') {
      const targets = (await connections(name)).filter((c) => c.connectionName === connectionName);
      for (const t of targets) await rabbitmqctl(['close_connection', t.pid, reason]);
      return targets.length;
    },
  };
}
