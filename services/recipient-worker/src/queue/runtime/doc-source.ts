/**
 * Where a running queue reads its document and roster: a small port, so the queue process does not
 * depend on where documents are kept. `StoreQueueDocs` (store-doc-source.ts) reads the queue API's
 * store, the worker's default; `MemoryQueueDocs` is an in-process one (unit tests).
 */
import type { QueueFields } from '@qubicle/contracts';

export interface QueueDocView {
  doc: QueueFields;
  /** the roster: recipient ids offered calls of this queue */
  members: string[];
}

export interface QueueDocSource {
  /** The queue's document and roster; null = the account has no such queue. */
  get(accountId: string, queueId: string): Promise<QueueDocView | null>;
  /** Every queue id of the account. */
  list(accountId: string): Promise<string[]>;
}

export class MemoryQueueDocs implements QueueDocSource {
  private readonly docs = new Map<string, Map<string, QueueDocView>>();

  put(accountId: string, queueId: string, view: QueueDocView): void {
    let account = this.docs.get(accountId);
    if (!account) this.docs.set(accountId, (account = new Map()));
    account.set(queueId, structuredClone(view));
  }

  remove(accountId: string, queueId: string): void {
    this.docs.get(accountId)?.delete(queueId);
  }

  async get(accountId: string, queueId: string): Promise<QueueDocView | null> {
    const v = this.docs.get(accountId)?.get(queueId);
    return v ? structuredClone(v) : null;
  }

  async list(accountId: string): Promise<string[]> {
    return [...(this.docs.get(accountId)?.keys() ?? [])].sort();
  }
}
