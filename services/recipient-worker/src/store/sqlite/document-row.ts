/**
 * A revision-tracked document as its SQLite table holds it (`users`, `queues`): the ids that are
 * looked up, the revision and times beside the document, the document itself as JSON text.
 */
export interface DocumentRow {
  id: string;
  account_id: string;
  rev: string;
  created: number;
  modified: number;
  doc: string;
}
