/** Documents for the store tests. Ids are random per call so suites never collide. */
import { randomBytes } from 'node:crypto';
import { NOT_LOGGED_IN_STATUS, QUEUE_DEFAULTS, freshRecipientState, type AccountDoc, type QueueDoc, type RecipientEvent, type RecipientEventName, type RecipientState, type UserDoc } from '@qubicle/contracts';

export function newId(): string {
  return randomBytes(16).toString('hex');
}

export function makeAccount(overrides: Partial<AccountDoc> = {}): AccountDoc {
  const id = overrides.id ?? newId();
  return {
    id,
    name: `Account ${id.slice(0, 8)}`,
    api_key: randomBytes(32).toString('hex'),
    features: { pro: false },
    qubicle: { missed_call_threshold: 3 },
    created: 1_700_000_000,
    modified: 1_700_000_000,
    ...overrides,
  };
}

export function makeUser(accountId: string, overrides: Partial<UserDoc> = {}): UserDoc {
  const id = overrides.id ?? newId();
  return {
    id,
    account_id: accountId,
    first_name: 'Ada',
    last_name: 'Lovelace',
    username: `user-${id.slice(0, 8)}`,
    priv_level: 'user',
    enabled: true,
    qubicle: { enabled: true, permissions: { monitor: false } },
    ...overrides,
  };
}

export function makeState(accountId: string, recipientId: string, overrides: Partial<RecipientState> = {}): RecipientState {
  return {
    ...freshRecipientState({
      account_id: accountId,
      recipient_id: recipientId,
      login_session_id: newId(),
      loginTime: 1_700_000_000,
      seq: 1,
    }),
    ...overrides,
  };
}

/** A recipient event as the machine emits it (status: a fixed one; the store keeps events as they are). */
export function makeEvent(accountId: string, recipientId: string, seq: number, event: RecipientEventName = 'ready'): RecipientEvent {
  return { event, account_id: accountId, recipient_id: recipientId, seq, timestamp: 1_700_000_000_000 + seq, node: 'node-a', status: { ...NOT_LOGGED_IN_STATUS } };
}

/** A normalised queue document (contracts' defaults), with a fresh id unless given. */
export function makeQueue(overrides: Partial<QueueDoc> & Record<string, unknown> = {}): QueueDoc {
  const id = (overrides.id as string | undefined) ?? newId();
  return { ...QUEUE_DEFAULTS, name: `Queue ${id.slice(0, 6)}`, ...overrides, id } as QueueDoc;
}
