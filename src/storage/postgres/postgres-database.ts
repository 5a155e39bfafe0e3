import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../logger';
import type { Database } from '../database';

const int8Oid = 20;
const startupLockName = 'trialguide:storage-startup';

/** Epoch milliseconds and counts come back as numbers, as on SQLite (they stay far below 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8Oid && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A pooled connection, prepared (migrated) under a session advisory lock: instances starting together
 * would otherwise race on CREATE SCHEMA / CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make
 * atomic. With `schema` (tests, or several apps sharing a database) the schema is created and every
 * pooled connection uses it as its search_path, so unqualified table names land there. `prepare`
 * receives the schema the tables live in (the given one, or the connection's current schema).
 */
export async function openPostgresDatabase(
  connectionString: string,
  logger: Logger,
  schema: string | undefined,
  prepare: (db: Kysely<Database>, schema: string) => Promise<void>,
): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    types,
    ...(schema !== undefined ? { options: `-c search_path=${quoteIdentifier(schema)}` } : {}),
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => logger.error('PostgreSQL idle connection failed', { error: error.message }));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const lockClient = new pg.Client({ connectionString });
  try {
    await lockClient.connect();
    await lockClient.query('select pg_advisory_lock(hashtext($1))', [startupLockName]);
    try {
      if (schema !== undefined) await lockClient.query(`create schema if not exists ${quoteIdentifier(schema)}`);
      const current = (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
      if (!current) throw new Error('PostgreSQL has no current schema (check search_path)');
      await prepare(db, current);
    } finally {
      await lockClient.query('select pg_advisory_unlock(hashtext($1))', [startupLockName]);
    }
    return db;
  } catch (error) {
    await db.destroy();
    throw error;
  } finally {
    await lockClient.end();
  }
}
