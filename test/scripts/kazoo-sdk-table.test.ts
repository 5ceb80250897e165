/**
 * scripts/lib/kazoo-sdk-table.ts: reading the SDK's method groups as text and finding every
 * difference with our stand-in's table. The source is written here in the SDK's own layout
 * (quoted method names, tabs), from our table: so it agrees, and each edit of it is one drift.
 */
import { strict as assert } from 'node:assert';
import { sdkGroupOf, sdkTableDrift } from '../../scripts/lib/kazoo-sdk-table.js';
import { KAZOO_SDK_METHODS, NOT_SERVED } from '../support/kazoo-sdk.js';

function sdkSource(edit: (groups: Record<string, Record<string, { verb: string; url: string }>>) => void = () => {}): string {
  const groups = JSON.parse(JSON.stringify(KAZOO_SDK_METHODS)) as Record<string, Record<string, { verb: string; url: string }>>;
  for (const [g, names] of Object.entries(NOT_SERVED)) for (const n of names) groups[g]![n] = { verb: 'POST', url: `accounts/{accountId}/${g}/{id}/${n}` };
  edit(groups);
  const body = Object.entries(groups)
    .map(([g, ms]) => `\t\t\t${g}: {\n${Object.entries(ms).map(([n, m]) => `\t\t\t\t'${n}': { verb: '${m.verb}', url: '${m.url}' }`).join(',\n')}\n\t\t\t}`)
    .join(',\n');
  return `var methodsGenerator = {\n\t\t\tqubicleSkills: {\n\t\t\t\t'list': { verb: 'GET', url: 'accounts/{accountId}/qubicle_skills' }\n\t\t\t},\n${body}\n\t\t};`;
}

describe('scripts: the KAZOO SDK method table check', () => {
  it('reads a group of the SDK source, and only that group', () => {
    const g = sdkGroupOf(sdkSource(), 'qubicleQueues');
    assert.deepEqual(g?.['getEnsureStarted'], { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/ensure_started' });
    assert.equal(Object.keys(g ?? {}).length, Object.keys(KAZOO_SDK_METHODS.qubicleQueues).length);
    assert.equal(sdkGroupOf(sdkSource(), 'qubicleReports'), null);
  });

  it('agrees with a source made from our table (the NOT_SERVED methods are expected there)', () => {
    assert.deepEqual(sdkTableDrift(sdkSource()), []);
  });

  it('names each difference: a changed verb or url, a missing method on either side, an unlisted one', () => {
    const drift = sdkTableDrift(
      sdkSource((g) => {
        g['qubicleRecipients']!['listStatus']!.verb = 'GET';
        g['qubicleQueues']!['getStatus']!.url = 'accounts/{accountId}/qubicle_queues/{queueId}/stats';
        delete g['qubicleQueues']!['getEnsureStarted'];
        g['qubicleQueues']!['listSkills'] = { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/skills' };
        delete g['qubicleRecipients']!['updateRoles'];
      }),
    );
    assert.equal(drift.length, 5, drift.join('\n'));
    assert.ok(drift.some((d) => d.startsWith('qubicleRecipients.listStatus: SDK GET')));
    assert.ok(drift.some((d) => d.startsWith('qubicleQueues.getStatus: SDK GET') && d.includes('/stats')));
    assert.ok(drift.some((d) => d === 'qubicleQueues.getEnsureStarted: in our table, not in the SDK'));
    assert.ok(drift.some((d) => d.startsWith('qubicleQueues.listSkills: in the SDK')));
    assert.ok(drift.some((d) => d === 'qubicleRecipients.updateRoles: listed NOT_SERVED, not in the SDK'));
  });
});
