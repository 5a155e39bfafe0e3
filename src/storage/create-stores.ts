import path from 'node:path';
import { sql } from 'kysely';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';
import { loadEncryptionKey } from '../security/encryption-key';
import { createFieldCipher } from '../security/field-encryption';
import type { Backend, SqlContext } from './database';
import { openSqliteDatabase } from './embedded/sqlite-database';
import { verifyEncryptionKey } from './key-check';
import { migrateToLatest } from './migrate';
import type { Stores } from './ports';
import { openPostgresDatabase } from './postgres/postgres-database';
import { SqlAuditLog } from './sql/sql-audit-log';
import { SqlBotStateStorage } from './sql/sql-bot-state-storage';
import { SqlConversationLogStore } from './sql/sql-conversation-log-store';
import { SqlKeyValueStore } from './sql/sql-key-value-store';
import { SqlOutboxStore } from './sql/sql-outbox-store';
import { SqlReferralStore } from './sql/sql-referral-store';

export interface CreateStoresOptions {
  /** PostgreSQL only: isolate the tables in this schema (created if missing). Tests use one per run. */
  schema?: string;
  /** Replaces the random reference generator (tests force collisions with it). */
  generateReference?: () => string;
}

/**
 * The ONLY place the backend is chosen: PostgreSQL when DATABASE_URL is set, otherwise the embedded
 * SQLite file in DATA_DIR. Opens the database, applies migrations, checks the encryption key.
 * Kysely gives one query code path for both dialects, so the two backends differ only in connection
 * setup, one DDL column and the `FOR UPDATE SKIP LOCKED` of the outbox claim.
 * On SQLite, keep ONE `Stores` per process: better-sqlite3 is synchronous, so a second connection in
 * the same process that meets a lock would block the event loop the first one needs to commit.
 */
export async function createStores(config: AppConfig, logger: Logger, options: CreateStoresOptions = {}): Promise<Stores> {
  const databaseUrl = config.env.DATABASE_URL;
  const backend: Backend = databaseUrl ? 'postgres' : 'sqlite';
  const cipher = createFieldCipher(await loadEncryptionKey(config, logger, backend));

  const prepare = async (context: SqlContext, migrationSchema?: string): Promise<void> => {
    const applied = await migrateToLatest(context.db, backend, migrationSchema);
    if (applied.length > 0) logger.info('storage migrations applied', { backend, migrations: applied });
    await verifyEncryptionKey(context, cipher);
  };

  let context: SqlContext;
  if (databaseUrl) {
    const db = await openPostgresDatabase(
      databaseUrl,
      logger,
      options.schema,
      (opened, schema) => prepare({ db: opened, backend }, schema),
      config.env.DATABASE_TIMEOUT_SECONDS * 1000,
    );
    context = { db, backend };
  } else {
    if (options.schema !== undefined) throw new Error('options.schema applies to PostgreSQL only');
    context = { db: openSqliteDatabase(path.resolve(config.rootDir, config.env.DATA_DIR)), backend };
    try {
      await prepare(context);
    } catch (error) {
      await context.db.destroy();
      throw error;
    }
  }

  let closed = false;
  return {
    kind: backend,
    botState: new SqlBotStateStorage(context, cipher),
    referrals: new SqlReferralStore(context, cipher, options.generateReference ? { generateReference: options.generateReference } : {}),
    outbox: new SqlOutboxStore(context),
    audit: new SqlAuditLog(context),
    keyValue: new SqlKeyValueStore(context),
    conversationLogs: new SqlConversationLogStore(context, cipher),
    async ping() {
      try {
        await sql`select 1`.execute(context.db);
        return true;
      } catch (error) {
        logger.warn('storage ping failed', { backend, error: (error as Error).message });
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.db.destroy();
    },
  };
}
