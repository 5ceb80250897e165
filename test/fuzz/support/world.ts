/**
 * The system every fuzz file runs against: the shared end-to-end system (a REAL listening gateway
 * and a real worker on a fresh RabbitMQ vhost, test/support/system.ts), an account of its own, and
 * a WATCHED recipient: logged in, Ready, with one queue flag, whose status must read the same
 * after every hostile case. Hostile requests target it wherever a route or message names one.
 */
import { strict as assert } from 'node:assert';
import { newKazooId } from '@qubicle/contracts';
import type { System } from '../../support/system.js';
import { newTenant, sharedSystem, type Tenant } from '../../support/tenant.js';
import { assertPrototypesUntouched } from './invariants.js';

export interface FuzzWorld {
  sys: System;
  t: Tenant;
  /** the watched recipient (a plain user, with its own token) */
  agent: { id: string; token: string };
  /** ids that exist nowhere (targets of routes that would change something if they could) */
  absent: string;
  queue: string;
  /** the watched recipient's status as GET …/status answers it (JSON text of data) */
  status(): Promise<string>;
  /** Fails unless the service answers, the watched status is what it was, and no prototype changed. */
  assertUnchanged(what: string): Promise<void>;
}

let world: Promise<FuzzWorld> | undefined;

export function fuzzWorld(): Promise<FuzzWorld> {
  world ??= (async () => {
    const sys = await sharedSystem();
    const t = await newTenant(sys, 'fuzz');
    const agent = await t.addUser({ first_name: 'Fuzz', last_name: 'Target' });
    const queue = newKazooId();
    for (const body of [{ status: 'login' }, { status: 'ready' }, { status: 'away', queue_id: queue }]) {
      const res = await t.setStatus(agent.id, body);
      assert.equal(res.status, 200, res.text);
    }
    const status = async () => {
      const res = await sys.api('GET', `${t.base}/${agent.id}/status`, undefined, t.adminToken);
      assert.equal(res.status, 200, `the service must still answer a normal request: ${res.status} ${res.text.slice(0, 300)}`);
      return JSON.stringify(res.body.data);
    };
    const baseline = await status();
    assert.match(baseline, /"availability_state":"Ready"/);
    return {
      sys,
      t,
      agent,
      absent: newKazooId(),
      queue,
      status,
      async assertUnchanged(what) {
        assertPrototypesUntouched();
        assert.equal(await status(), baseline, `the watched recipient's status changed after ${what}`);
      },
    };
  })();
  return world;
}
