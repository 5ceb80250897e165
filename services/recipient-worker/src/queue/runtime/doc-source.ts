/**
 * Where a running queue reads its document and roster: a small port so that the queue documents'
 * own store (the Crossbar queue API's, another branch) plugs in without touching the queue process.
 * `MemoryQueueDocs` is the in-process implementation (tests, the embedded demo).
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

/**
 * Documents from a JSON file `{account_id: {queue_id: {doc, members}}}` (QUEUE_DOCS_FILE), read
 * again on every look-up so that a test or a demo can change them while workers run. A missing or
 * unreadable file is no documents (logged by the caller's failures, never a crash).
 */
export class FileQueueDocs implements QueueDocSource {
  constructor(private readonly path: string) {}

  private async all(): Promise<Record<string, Record<string, QueueDocView>>> {
    const { readFile } = await import('node:fs/promises');
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, Record<string, QueueDocView>>;
    } catch {
      return {};
    }
  }

  async get(accountId: string, queueId: string): Promise<QueueDocView | null> {
    return (await this.all())[accountId]?.[queueId] ?? null;
  }

  async list(accountId: string): Promise<string[]> {
    return Object.keys((await this.all())[accountId] ?? {}).sort();
  }
}
