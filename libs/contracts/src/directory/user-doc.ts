/**
 * The KAZOO users document as the API shows it. A recipient is a user whose
 * `qubicle.enabled` is true. Credentials never appear here: the store keeps them
 * apart as a salted scrypt hash (see UserCredentials in the worker's store port).
 */
export type PrivLevel = 'admin' | 'user';

export interface UserQubicleSettings {
  /** true: this user is a Qubicle recipient. */
  enabled: boolean;
  permissions: {
    /** May monitor (eavesdrop/whisper/barge) other recipients (Pro accounts only). */
    monitor: boolean;
  };
}

export interface UserDoc {
  id: string;
  account_id: string;
  first_name: string;
  last_name: string;
  username: string;
  email?: string;
  priv_level: PrivLevel;
  enabled: boolean;
  qubicle: UserQubicleSettings;
  /** Other KAZOO user fields a client stored (caller_id, timezone, ui_metadata...) pass through untouched. */
  [extra: string]: unknown;
}

/**
 * The schemas of the UserDoc fields that a user's document and its summary (the users list) both
 * carry, as the directory's replies state them.
 */
export const userFieldProperties = {
  first_name: { type: 'string' },
  last_name: { type: 'string' },
  username: { type: 'string' },
  email: { type: 'string' },
  priv_level: { enum: ['admin', 'user'] },
  enabled: { type: 'boolean' },
} as const;

/** Revision-tracked form kept by the store. `rev` is "N-<hash>" like CouchDB's _rev. */
export interface StoredUser {
  doc: UserDoc;
  rev: string;
  created: number;
  modified: number;
}
