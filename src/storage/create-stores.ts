import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';
import { loadEncryptionKey } from '../security/encryption-key';
import { createFieldCipher } from '../security/field-encryption';
import type { Backend, SqlContext } from './database';
import { openSqliteDatabase } from './embedded/sqlite-database';
import { verifyEncryptionKey } from './key-check';
import { migrateToLatest, migrationsApplied } from './migrate';
import type { StorageProbeResult, Stores } from './ports';
import { openPostgresDatabase } from './postgres/postgres-database';
import { SqlAuditLog } from './sql/sql-audit-log';
import { SqlBotStateStorage } from './sql/sql-bot-state-storage';
import { SqlConsoleStore } from './sql/sql-console-store';
import { SqlConversationLogStore } from './sql/sql-conversation-log-store';
import { SqlFunnelStore } from './sql/sql-funnel-store';
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

  let migrationTableSchema: string | undefined;
  const prepare = async (context: SqlContext, migrationSchema?: string): Promise<void> => {
    migrationTableSchema = migrationSchema;
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
    const sqlite = openSqliteDatabase(path.resolve(config.rootDir, config.env.DATA_DIR));
    context = { db: sqlite.db, backend, durabilityProblem: () => sqlite.filesProblem(), sqliteDirect: sqlite.direct };
    try {
      await prepare(context);
    } catch (error) {
      await context.db.destroy();
      throw error;
    }
  }

  const probeKey = 'write-probe';
  // Inside the statement timeout's reach on PostgreSQL, so a stuck probe is also cancelled by the server.
  const probeTimeoutMs = backend === 'postgres' ? config.env.DATABASE_TIMEOUT_SECONDS * 1000 + 500 : 5_000;
  let closed = false;
  return {
    kind: backend,
    botState: new SqlBotStateStorage(context, cipher),
    referrals: new SqlReferralStore(context, cipher, options.generateReference ? { generateReference: options.generateReference } : {}),
    outbox: new SqlOutboxStore(context),
    audit: new SqlAuditLog(context),
    keyValue: new SqlKeyValueStore(context),
    conversationLogs: new SqlConversationLogStore(context, cipher),
    funnel: new SqlFunnelStore(context, cipher),
    console: new SqlConsoleStore(context),
    async ping() {
      try {
        await sql`select 1`.execute(context.db);
        return true;
      } catch (error) {
        logger.warn('storage ping failed', { backend, error: (error as Error).message });
        return false;
      }
    },
    async migrationsApplied() {
      try {
        return await migrationsApplied(context.db, backend, migrationTableSchema);
      } catch (error) {
        logger.warn('could not read the applied migrations', { backend, error: (error as Error).message });
        return false;
      }
    },
    async probeWrite() {
      const started = Date.now();
      const elapsed = () => Date.now() - started;
      const value = `${started}:${randomUUID()}`;
      const attempt = (async (): Promise<StorageProbeResult> => {
        await context.db
          .insertInto('storage_meta')
          .values({ key: probeKey, value })
          .onConflict((conflict) => conflict.column('key').doUpdateSet({ value }))
          .execute();
        const row = await context.db.selectFrom('storage_meta').select('value').where('key', '=', probeKey).executeTakeFirst();
        if (row?.value !== value) return { ok: false, reason: 'the probe row did not read back', ms: elapsed() };
        const problem = context.durabilityProblem?.();
        return problem ? { ok: false, reason: problem, ms: elapsed() } : { ok: true, ms: elapsed() };
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<StorageProbeResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${probeTimeoutMs} ms`, ms: elapsed() }), probeTimeoutMs);
      });
      try {
        return await Promise.race([attempt, timeout]);
      } catch (error) {
        const { name, message, code } = error as { name?: string; message?: string; code?: string };
        return { ok: false, reason: `${name ?? 'Error'}${code ? ` ${code}` : ''}: ${message ?? String(error)}`, ms: elapsed() };
      } finally {
        clearTimeout(timer);
        attempt.catch(() => undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.db.destroy();
    },
  };
}
