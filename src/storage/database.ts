import type { Generated, Kysely } from 'kysely';

/**
 * Table shapes shared by both backends. Instants are epoch milliseconds in BIGINT columns: the same
 * comparison semantics on SQLite and PostgreSQL, no time-zone or text-format drift between them (the
 * PostgreSQL pool parses int8 to number; epoch milliseconds stay far below 2^53).
 * Columns ending in `_enc` hold `field-encryption` envelopes, never plaintext.
 */
export interface BotStateTable {
  key: string;
  etag: string;
  document_enc: string;
  updated_at: number;
}

export interface ReferralsTable {
  id: string;
  reference: string;
  conversation_key: string;
  channel: string;
  locale: string;
  contact_enc: string;
  precheck_enc: string | null;
  consent_version: string;
  /** Added by 0004-content-version; null on referrals stored before it. */
  content_version: string | null;
  status: string;
  note_enc: string | null;
  created_at: number;
  updated_at: number;
}

export interface OutboxTable {
  id: string;
  referral_id: string;
  sink: string;
  idempotency_key: string;
  /** 'pending' until delivered. */
  state: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  leased_by: string | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string;
  action: string;
  referral_id: string | null;
  detail: string | null;
  at: number;
}

export interface KeyValueTable {
  key: string;
  value: string;
  expires_at: number;
}

export interface ConversationSequenceTable {
  conversation_id: string;
  last_seq: number;
  updated_at: number;
}

export interface ConversationLogTable {
  conversation_id: string;
  seq: number;
  activity_enc: string;
  created_at: number;
}

export interface StorageMetaTable {
  key: string;
  value: string;
}

export interface Database {
  bot_state: BotStateTable;
  referrals: ReferralsTable;
  outbox: OutboxTable;
  audit_log: AuditLogTable;
  key_value: KeyValueTable;
  conversation_sequences: ConversationSequenceTable;
  conversation_log: ConversationLogTable;
  storage_meta: StorageMetaTable;
}

export type Backend = 'sqlite' | 'postgres';

export interface SqlContext {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  /** Why a write just made may not be durable (SQLite: its files were removed or became unwritable), if so. */
  readonly durabilityProblem?: () => string | undefined;
  /** SQLite only: runs synchronous statements on the connection, holding it as Kysely does (see SqliteDirect). */
  readonly sqliteDirect?: SqliteDirect;
}

/** Prepared statements on the embedded database's connection (better-sqlite3's, synchronous). */
export interface SqliteStatements {
  run(sql: string, parameters?: readonly unknown[]): { changes: number };
  all<Row>(sql: string, parameters?: readonly unknown[]): Row[];
}

/**
 * Runs `work` with the SQLite connection held exactly as a Kysely query holds it (no other query or transaction
 * runs meanwhile), with statements prepared once by their SQL text. For the per-turn hot path (chat state):
 * building and compiling the same Kysely queries again on every turn cost more than running them (issue 11).
 */
export type SqliteDirect = <T>(work: (statements: SqliteStatements) => T) => Promise<T>;
