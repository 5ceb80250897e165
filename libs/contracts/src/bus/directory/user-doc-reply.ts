import type { UserDoc } from '../../directory/user-doc.js';

/** Reply of every user read/write: the document and its revision (Crossbar puts it in `revision`). */
export interface UserDocReply {
  doc: UserDoc;
  rev: string;
}
