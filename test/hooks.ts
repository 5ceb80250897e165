/**
 * The mocha root hook plugin of every run (`.mocharc.json` `require`). When the run holds an
 * integration test (scripts/lib/test-kinds.ts), it first makes sure a RabbitMQ answers
 * (scripts/lib/broker.ts: AMQP_URL, else the local one, started if stopped, else testcontainers)
 * and points AMQP_URL at it; a run of unit tests only never looks for a broker. A broker it
 * could not find fails this hook, so mocha runs nothing and the summary reads "0 passed, 1 failed".
 */
import type { Context, Suite } from 'mocha';
import { ensureBroker } from '../scripts/lib/broker.js';
import { isIntegrationTest } from '../scripts/lib/test-kinds.js';

let stopBroker: (() => Promise<void>) | undefined;

function log(line: string): void {
  process.stdout.write(`[test] ${line}\n`);
}

/** The files of the run: the root suite's top-level suites and tests name theirs. */
function filesOf(root: Suite): string[] {
  return [...root.suites.map((s) => s.file), ...root.tests.map((t) => t.file)].filter((f): f is string => f !== undefined);
}

export const mochaHooks = {
  async beforeAll(this: Context) {
    const root = this.test?.parent;
    if (!root || !filesOf(root).some((f) => isIntegrationTest(f, process.cwd()))) return;
    // starting a stopped local broker waits up to 60 s; a container image may have to be pulled
    this.timeout(180_000);
    const broker = await ensureBroker(log);
    stopBroker = () => broker.stop();
    process.env['AMQP_URL'] = broker.url;
    log(`broker: ${broker.url.replace(/\/\/[^@]*@/, '//***@')}`);
  },
  async afterAll(this: Context) {
    this.timeout(60_000);
    await stopBroker?.();
    stopBroker = undefined;
  },
};
