import assert from 'node:assert/strict';
import type { Harness } from './support/harness.js';
import { harnessEachTest } from './support/each-test.js';

describe('gateway', () => {
  let h: Harness;
  harnessEachTest((started) => (h = started));

  it('stop(): refuses new connections, lets the in-flight request finish', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const arrivedP = new Promise<void>((r) => (arrived = r));
    h.worker.overrides.set('get_status', async () => {
      arrived();
      await released;
      return undefined; // then the canned reply
    });
    const inFlight = h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, { token: h.token.agent });
    await arrivedP;

    let stopped = false;
    const stopping = h.gateway.stop().then(() => (stopped = true));
    await assert.rejects(fetch(`${h.url}/healthz`), 'no new connections once stopping');
    assert.equal(stopped, false, 'still waiting for the in-flight request');

    release();
    const res = await inFlight;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.availability_state, 'Not-Logged-In');
    await stopping;
    assert.equal(stopped, true);
  });
});
