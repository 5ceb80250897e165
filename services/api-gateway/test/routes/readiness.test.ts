import assert from 'node:assert/strict';
import { createMemoryBus } from '@qubicle/transport';
import { loadGatewayConfig } from '../../src/config.js';
import { createGateway } from '../../src/gateway.js';
import { createMetrics } from '../../src/metrics.js';
import { RecordingLogger, SECRET, startHarness } from '../support/harness.js';

describe('routes/health: /readyz reasons', () => {
  it('503 {status:"unavailable", reasons:[...]} names each reason (bus down, shard count unknown)', async () => {
    const h = await startHarness({ worker: false });
    try {
      h.bus.simulateDisconnect();
      const res = await h.request('GET', '/readyz');
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'unavailable');
      assert.deepEqual(res.body.reasons, ['message bus not connected', 'shard count not known yet (no worker answered cluster_info)']);
      assert.equal(res.body.reason, res.body.reasons.join('; '));
    } finally {
      await h.close();
    }
  });

  it('extra readiness checks (the embedded worker) are part of /readyz', async () => {
    const bus = createMemoryBus();
    let reasons: string[] = ['worker: starting'];
    const config = loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, SHARD_COUNT: '4', NODE_NAME: 'gw' });
    const gateway = createGateway({ bus, config, logger: new RecordingLogger(), metrics: createMetrics({ defaultMetrics: false }), readiness: async () => reasons });
    const server = await gateway.listen(0, '127.0.0.1');
    try {
      const before = await fetch(`${server.url}/readyz`);
      assert.equal(before.status, 503);
      assert.deepEqual(((await before.json()) as { reasons: string[] }).reasons, ['worker: starting']);
      reasons = [];
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    } finally {
      await server.close();
      await gateway.stop();
      await bus.close();
    }
  });
});
