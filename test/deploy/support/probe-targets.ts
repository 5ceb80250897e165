/** A real gateway (in-process bus) and a real worker ops server, to ask whether a probe path is served. */
import { createMemoryBus, noopLogger } from '@qubicle/transport';
import { createGateway, createMetrics, loadGatewayConfig } from '@qubicle/api-gateway';
import { createWorkerMetrics, startOpsServer } from '@qubicle/recipient-worker';
import type { ServiceKind } from './deploy.js';

export interface ProbeTargets {
  /** HTTP status of GET path on that kind of process (404 = not served). */
  status(kind: ServiceKind, path: string): Promise<number>;
  close(): Promise<void>;
}

export async function startProbeTargets(): Promise<ProbeTargets> {
  const bus = createMemoryBus();
  const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: 'deploy-test-secret-0123456789abcdef0123', SHARD_COUNT: '4' });
  const gateway = createGateway({ bus, config, logger: noopLogger, metrics: createMetrics({ defaultMetrics: false }) });
  const gw = await gateway.listen(0, '127.0.0.1');
  const ops = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    node: 'deploy-test',
    registry: createWorkerMetrics({ defaultMetrics: false }).registry,
    readiness: async () => [],
    logger: noopLogger,
  });
  return {
    async status(kind, path) {
      const res = await fetch((kind === 'worker' ? ops.url : gw.url) + path);
      await res.arrayBuffer();
      return res.status;
    },
    async close() {
      await gw.close();
      await gateway.stop();
      await ops.close();
      await bus.close();
    },
  };
}
