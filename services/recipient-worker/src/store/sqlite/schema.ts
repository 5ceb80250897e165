/** The SQLite file's tables and indexes (created by init, idempotent). */

/**
 * 2: the outbox and logged_out tables; 3: queues and queue_members; 4: sessions.times (time in each
 * state; ADDED_COLUMNS adds it to an older file); 5: a running queue's members and callers as rows
 * (queue_runtime_members, queue_runtime_sessions; a header holding the whole state, as version 4
 * and earlier wrote it, is still read). CREATE IF NOT EXISTS: an older file gets the tables on init.
 */
export const SCHEMA_VERSION = 5;

/** Columns added to tables of earlier versions: [table, column, its definition], applied on init when missing. */
export const ADDED_COLUMNS: ReadonlyArray<readonly [string, string, string]> = [['sessions', 'times', 'TEXT']];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  name_lower TEXT NOT NULL UNIQUE,
  api_key TEXT UNIQUE,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  username_lower TEXT,
  qubicle_enabled INTEGER NOT NULL,
  cred_bucket TEXT,
  cred_hash TEXT,
  rev TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_account_username ON users (account_id, username_lower);
CREATE INDEX IF NOT EXISTS users_account_qubicle ON users (account_id, qubicle_enabled);
CREATE INDEX IF NOT EXISTS users_account_bucket ON users (account_id, cred_bucket);
CREATE TABLE IF NOT EXISTS recipients (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  shard INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id)
);
CREATE INDEX IF NOT EXISTS recipients_shard ON recipients (shard);
CREATE TABLE IF NOT EXISTS sessions (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  login_session_id TEXT NOT NULL,
  login_time INTEGER NOT NULL,
  logout_time INTEGER NOT NULL,
  node TEXT NOT NULL,
  reason TEXT,
  stats TEXT NOT NULL,
  times TEXT,
  PRIMARY KEY (account_id, recipient_id, login_session_id)
);
CREATE INDEX IF NOT EXISTS sessions_recipient_logout ON sessions (account_id, recipient_id, logout_time);
CREATE TABLE IF NOT EXISTS audit (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id, seq)
);
CREATE INDEX IF NOT EXISTS audit_account_time ON audit (account_id, timestamp, recipient_id, seq);
CREATE INDEX IF NOT EXISTS audit_time ON audit (timestamp);
CREATE TABLE IF NOT EXISTS leases (
  shard INTEGER PRIMARY KEY,
  owner TEXT,
  epoch INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  info TEXT NOT NULL
);
-- deleted auth tokens (jti), kept until the token's own expiry
CREATE TABLE IF NOT EXISTS revoked_tokens (
  token_id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_tokens_expires ON revoked_tokens (expires_at);
CREATE TABLE IF NOT EXISTS outbox (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logged_out (
  account_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  shard INTEGER NOT NULL,
  forget_at INTEGER NOT NULL,
  recent_commands TEXT NOT NULL,
  PRIMARY KEY (account_id, recipient_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logged_out_shard_forget ON logged_out (shard, forget_at);
-- queue documents with their roles (a JSON column), and each queue's roster as rows
CREATE TABLE IF NOT EXISTS queues (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  rev TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  doc TEXT NOT NULL,
  roles TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS queues_account ON queues (account_id);
CREATE TABLE IF NOT EXISTS queue_members (
  account_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  PRIMARY KEY (queue_id, recipient_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS queue_members_recipient ON queue_members (account_id, recipient_id);
-- running queues (ports/queues-runtime.ts): state fenced by the queue shard's lease, its outbox, caller sessions
CREATE TABLE IF NOT EXISTS queue_runtime (
  account_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  shard INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (account_id, queue_id)
);
CREATE INDEX IF NOT EXISTS queue_runtime_shard ON queue_runtime (shard);
-- a running queue's members and callers, one row each (store/queue-rows.ts): a change writes only its rows
CREATE TABLE IF NOT EXISTS queue_runtime_members (
  account_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  member TEXT NOT NULL,
  PRIMARY KEY (account_id, queue_id, recipient_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_runtime_sessions (
  account_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  session TEXT NOT NULL,
  PRIMARY KEY (account_id, queue_id, session_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_outbox (
  account_id TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (account_id, queue_id, seq)
);
CREATE TABLE IF NOT EXISTS call_sessions (
  account_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  session TEXT NOT NULL,
  PRIMARY KEY (account_id, call_id)
);
-- the session events of committed session changes, until published (the session shard's outbox)
CREATE TABLE IF NOT EXISTS session_outbox (
  account_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (account_id, session_id, seq)
);
CREATE INDEX IF NOT EXISTS session_outbox_shard ON session_outbox (shard);
`;
