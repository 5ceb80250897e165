import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** true when something accepts TCP connections at the URL's host:port. */
export function portAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || 5672);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function commandExists(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, stepMs = 1000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/**
 * Make sure a RabbitMQ answers before the integration tests, in this order:
 * the one at AMQP_URL; else the local RabbitMQ (started with `rabbitmq-server -detached`
 * when installed but stopped, waiting up to 60 s); else one from testcontainers where a
 * Docker engine answers; else fail saying how to get one.
 * Returns the URL to use and a cleanup for anything it started itself.
 */
export async function ensureBroker(log: (line: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env['AMQP_URL'] ?? DEFAULT_AMQP_URL;
  if (await portAnswers(url)) return { url, stop: async () => {} };

  if (!process.env['AMQP_URL'] && (await commandExists('rabbitmq-server'))) {
    log('RabbitMQ is installed but not answering: starting it with `rabbitmq-server -detached`');
    try {
      await run('rabbitmq-server', ['-detached']);
    } catch (err) {
      log(`rabbitmq-server -detached failed: ${(err as Error).message}`);
    }
    const ok = await waitFor(async () => {
      if (!(await portAnswers(url))) return false;
      try {
        await run('rabbitmqctl', ['status'], { timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    if (ok) return { url, stop: async () => {} };
    log('the local RabbitMQ did not come up within 60 s');
  }

  try {
    const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    log('starting RabbitMQ from testcontainers (rabbitmq:3.13-management)');
    const container = await new GenericContainer('rabbitmq:3.13-management').withExposedPorts(5672).start();
    const dockerUrl = `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`;
    return { url: dockerUrl, stop: async () => void (await container.stop()) };
  } catch {
    /* no Docker engine here */
  }

  throw new Error(
    `No RabbitMQ answers at ${url}. Start one: \`rabbitmq-server -detached\` (Debian: apt-get install rabbitmq-server), ` +
      'or `docker run -d -p 5672:5672 rabbitmq:3.13`, or set AMQP_URL to a broker you can use.',
  );
}
