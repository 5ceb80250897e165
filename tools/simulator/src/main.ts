/**
 * `npm run simulate -- --account demo --queue sales --calls 1000 ...`: a Qubicle queue on the
 * bus, as a separate process (see docs/simulator.md). Exit status: 0 when every call ended and
 * the recipients' stats add up, 1 otherwise, 2 on bad usage.
 */
import { amqpUserOf, createAmqpBus } from '@qubicle/transport';
import { busEvents } from './bus-events.js';
import { parseArgs, USAGE, UsageError } from './options.js';
import { runCallers } from './callers.js';
import { runSimulation } from './simulation.js';
import { formatResult } from './summary.js';

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (cli === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // an outside service: it declares nothing (the workers own the topology), and it says who it is
  // (user_id, validated by the broker) for workers that check senders (docs/bus.md#who-may-send-what)
  const bus = createAmqpBus({ url: cli.amqpUrl, name: 'qubicle-simulator', declareExchanges: false, userId: amqpUserOf(cli.amqpUrl) });
  const controller = new AbortController();
  const stop = () => {
    process.stderr.write('\nstopping: withdrawing offers and hanging up calls in progress...\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await bus.waitForConnection(10_000);
    if (cli.mode === 'callers' && cli.callers) {
      // the caller side: KAZOO's sessions and the phones; the service's queue process routes
      const callers = await runCallers(cli.callers, {
        caller: bus,
        subscribe: busEvents(bus),
        print: (line) => process.stdout.write(`${line}\n`),
        signal: controller.signal,
      });
      process.stdout.write(`${JSON.stringify(callers, null, cli.json ? 2 : undefined)}\n`);
      return callers.completed && callers.errors === 0 ? 0 : 1;
    }
    const result = await runSimulation(cli.options, {
      caller: bus,
      subscribe: busEvents(bus),
      print: (line) => process.stdout.write(`${line}\n`),
      signal: controller.signal,
    });
    process.stdout.write(`${cli.json ? JSON.stringify(result, null, 2) : formatResult(result)}\n`);
    return result.completed && result.consistent ? 0 : 1;
  } finally {
    await bus.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
