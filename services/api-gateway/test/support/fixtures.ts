/** Canned directory data of the fake worker: one account, an admin, two agents; another account. */
import { createHash, randomBytes } from 'node:crypto';
import type { AccountDoc, UserDoc } from '@qubicle/contracts';

export function newId(): string {
  return randomBytes(16).toString('hex');
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface Fixture {
  account: AccountDoc;
  admin: UserDoc;
  agent: UserDoc;
  agent2: UserDoc;
  /** a user who is not a recipient */
  clerk: UserDoc;
  users: UserDoc[];
  /** username → password */
  passwords: Record<string, string>;
  other: AccountDoc;
}

function user(accountId: string, username: string, over: Partial<UserDoc> = {}): UserDoc {
  return {
    id: newId(),
    account_id: accountId,
    first_name: username,
    last_name: 'Test',
    username,
    priv_level: 'user',
    enabled: true,
    qubicle: { enabled: true, permissions: { monitor: false } },
    ...over,
  };
}

export function makeFixture(): Fixture {
  const account: AccountDoc = {
    id: newId(),
    name: 'acme',
    api_key: randomBytes(32).toString('hex'),
    features: { pro: true },
    qubicle: { missed_call_threshold: 3 },
    created: 1_700_000_000,
    modified: 1_700_000_000,
  };
  const other: AccountDoc = { ...account, id: newId(), name: 'other', api_key: randomBytes(32).toString('hex') };
  const admin = user(account.id, 'admin', { priv_level: 'admin', first_name: 'Ada' });
  const agent = user(account.id, 'agent', { first_name: 'Alan' });
  const agent2 = user(account.id, 'agent2', { first_name: 'Grace' });
  const clerk = user(account.id, 'clerk', { first_name: 'Carl', qubicle: { enabled: false, permissions: { monitor: false } } });
  return {
    account,
    admin,
    agent,
    agent2,
    clerk,
    users: [admin, agent, agent2, clerk],
    passwords: { admin: 'admin-secret', agent: 'agent-secret', agent2: 'agent2-secret', clerk: 'clerk-secret' },
    other,
  };
}
