/**
 * Chaos run: events through a long broker fault, under load (issue 11's targets: 0 sequence gaps
 * and 0 missing last events through a broker restart, close_all_connections and a 60 s outage).
 *
 *   npx tsx --conditions=source bench/chaos/events-through-faults.ts [--fault=proxy|closeall|restart]
 *       [--seconds=60] [--times=1] [--recipients=200]
 *
 * A gateway and a worker in this process on a fresh vhost and a temp SQLite file (test/support/
 * system.ts), the same load and audit as test/faults/ (test/support/faults.ts), then:
 *
 * - `proxy` (default): the worker reaches the broker through a TCP proxy; every connection through
 *   it is dropped and new ones refused for --seconds, --times times. Nobody else's connections are
 *   touched: safe on a shared broker.
 * - `closeall`: `rabbitmqctl close_all_connections -p <this run's vhost>`, --times times, a few
 *   seconds apart (--seconds is ignored). Safe on a shared broker too.
 * - `restart`: A REAL BROKER RESTART, for everyone on it: `rabbitmqctl stop_app`, --seconds
 *   down, `rabbitmqctl start_app` (or the command in BROKER_RESTART_CMD, run through sh, which
 *   must stop the broker, wait and start it). Run it only on a broker nobody else uses right now.
 *
 * After the fault the load runs until it flows again, stops, and every recipient's events are
 * audited (a durable queue: what the consumer misses is the worker's fault). Prints one JSON line
 * with the figures; exit code 0 only with 0 gaps, 0 missing or wrong last events and 0 errors.
 * RabbitMQ must be reachable at AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) with
 * rabbitmqctl (RABBITMQCTL for a remote one), as for the tests.
 */
import { execFile } from 'node:child_process';
import { newKazooId } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { rabbitmqctl } from '../../libs/transport/test/support/vhost.js';
import { SeqAudit, StatusLoad, summarise } from '../../test/support/faults.js';
import { startSystem, type System } from '../../test/support/system.js';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.js';
import { until } from '../../test/support/wait.js';

type Fault = 'proxy' | 'closeall' | 'restart';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

const fault = arg('fault', 'proxy') as Fault;
if (!['proxy', 'closeall', 'restart'].includes(fault)) throw new Error(`--fault must be proxy, closeall or restart (got ${fault})`);
const seconds = Number(arg('seconds', '60'));
const times = Number(arg('times', fault === 'closeall' ? '3' : '1'));
const n = Number(arg('recipients', '200'));
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(command: string): Promise<void> {
  return new Promise((resolve, reject) => execFile('sh', ['-c', command], { timeout: 600_000 }, (err) => (err ? reject(err) : resolve())));
}

async function main(): Promise<number> {
  let proxy: TcpProxy | undefined;
  if (fault === 'proxy') {
    const broker = new URL(process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
    proxy = await startTcpProxy({ host: broker.hostname.replace(/^\[|\]$/g, ''), port: Number(broker.port || 5672) });
  }
  const sys: System = await startSystem({ rpcTimeoutMs: 3_000, ...(proxy ? { workerUrl: (url: string) => proxy!.via(url) } : {}) });
  let audit: SeqAudit | undefined;
  try {
    audit = await SeqAudit.start(sys.serviceBus, sys.accountId);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = newKazooId();
      await sys.store.createUser(
        { id, account_id: sys.accountId, first_name: `C${i}`, last_name: 'Chaos', username: `chaos-${i}-${id.slice(0, 6)}`, priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } },
        null,
      );
      ids.push(id);
    }
    const client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, service: 'chaos-load' });
    const load = new StatusLoad(client, sys.accountId, ids, { timeoutMs: 3_000 });
    await load.start();
    const flowing = async (what: string) => {
      const from = load.acked;
      await until(what, () => load.acked >= from + 500, Math.max(60_000, seconds * 3_000));
    };
    await flowing('the load to flow');
    const started = Date.now();
    for (let i = 1; i <= times; i++) {
      log(`fault ${i}/${times}: ${fault}${fault === 'closeall' ? '' : ` for ${seconds} s`} (acked so far ${load.acked})`);
      if (fault === 'proxy') {
        proxy!.cut();
        await sleep(seconds * 1000);
        proxy!.restore();
      } else if (fault === 'closeall') {
        await sys.vhost.closeAllConnections(`chaos: close ${i}`);
      } else {
        const custom = process.env['BROKER_RESTART_CMD'];
        if (custom) await sh(custom);
        else {
          await rabbitmqctl(['stop_app'], 120_000);
          await sleep(seconds * 1000);
          await rabbitmqctl(['start_app'], 300_000);
        }
      }
      await flowing(`the load to flow again after fault ${i}`);
    }
    const faultMs = Date.now() - started;
    await load.stop();
    const current = new Map<string, number>();
    for (const id of ids) current.set(id, (await sys.store.loadRecipient(sys.accountId, id))!.state.seq);
    const converged = await until('every recipient\'s current seq on the bus', () => ids.every((id) => audit!.maxSeq(id) === current.get(id)), 60_000).then(
      () => true,
      () => false,
    );
    const audits = audit.report(ids, current, load.last);
    const summary = summarise(audits);
    const result = {
      fault,
      seconds: fault === 'closeall' ? undefined : seconds,
      times,
      converged,
      ...summary,
      acked: load.acked,
      retried: load.retried,
      errors: load.errors.length,
      faultPhaseMs: faultMs,
      outbox: sys.worker.outbox.stats(),
      ...(proxy ? { refusedConnections: proxy.refused } : {}),
      readModel: sys.gateway.readModel?.stats(),
      worstRecipients: audits.filter((a) => a.missing.length > 0 || !a.endsAtCurrent).slice(0, 5),
    };
    process.stdout.write(`${JSON.stringify({ result })}\n`);
    return converged && summary.gaps === 0 && summary.missingLast === 0 && summary.wrongLast === 0 && load.errors.length === 0 ? 0 : 1;
  } finally {
    await audit?.stop().catch(() => {});
    proxy?.restore();
    await sys.stop().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
    await proxy?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[chaos] FAILED: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
