/**
 * The benchmark's recipients, written straight into the store before the worker starts (through
 * the API, thousands of users would take most of a run): qubicle-enabled users with the plain
 * `user` privilege, named Agent<i> Bench / bench<i>.
 */
import { newKazooId, type UserDoc } from '@qubicle/contracts';
import type { Store } from '@qubicle/recipient-worker';

/** Writes `count` recipients of `accountId`; their ids, in the order written. */
export async function writeRecipients(store: Store, accountId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newKazooId();
    const doc: UserDoc = {
      id,
      account_id: accountId,
      first_name: `Agent${i}`,
      last_name: 'Bench',
      username: `bench${i}`,
      priv_level: 'user',
      enabled: true,
      qubicle: { enabled: true, permissions: { monitor: false } },
    };
    await store.createUser(doc, null);
    ids.push(id);
  }
  return ids;
}
