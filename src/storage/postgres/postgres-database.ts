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
  timeoutMs = 10_000,
): Promise<Kysely<Database>> {
  const where = serverOf(connectionString);
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    types,
    keepAlive: true,
    // A server that accepts TCP and never answers: connecting gives up after this.
    connectionTimeoutMillis: timeoutMs,
    // A slow statement is cancelled by the server; a silent server by the client (a little later).
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    idle_in_transaction_session_timeout: Math.max(timeoutMs * 3, 30_000),
    ...(schema !== undefined ? { options: `-c search_path=${quoteIdentifier(schema)}` } : {}),
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => logger.warn('PostgreSQL idle connection lost; the pool will open a new one', { server: where, ...errorFields(error) }));
  // A checked-out client has no pool listener: a connection terminated by the server (pg_terminate_backend, a
  // failover) between or during statements would emit an unhandled 'error' and end the process. The query in
  // flight fails on its own; the pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn('PostgreSQL connection lost; the pool will open a new one', { server: where, ...errorFields(error) }));
    dropClientOnReadTimeout(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const lockClient = new pg.Client({
    connectionString,
    connectionTimeoutMillis: timeoutMs,
    // Waiting for another instance's migration is legitimate; a silent server is not.
    query_timeout: Math.max(timeoutMs * 6, 60_000),
  });
  lockClient.on('error', (error) => logger.warn('PostgreSQL startup connection lost', { server: where, ...errorFields(error) }));
  try {
    try {
      await lockClient.connect();
    } catch (error) {
      throw describeConnectError(error, where, timeoutMs);
    }
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

/** host:port of a connection string, never its user or password (for logs and startup errors). */
function serverOf(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  } catch {
    return 'the configured server';
  }
}

function errorFields(error: unknown): Record<string, unknown> {
  const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string };
  return { error: `${name ?? 'Error'}: ${message ?? String(error)}`, ...(code ? { code } : {}) };
}

/** Startup errors that say what to check, in the operator's words. */
function describeConnectError(error: unknown, where: string, timeoutMs: number): Error {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  if (/timeout/i.test(message)) {
    return new Error(
      `PostgreSQL at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s (DATABASE_TIMEOUT_SECONDS): check DATABASE_URL and that the server is up and reachable`,
      { cause: error },
    );
  }
  if (code === 'ECONNREFUSED') return new Error(`PostgreSQL at ${where} refused the connection: check DATABASE_URL and that the server is running`, { cause: error });
  return new Error(`PostgreSQL at ${where}: ${message}`, { cause: error });
}

/**
 * pg's client-side `query_timeout` rejects the query but leaves the client waiting for the silent server, and the
 * pool would hand the same stuck client out again. Closing its socket makes the pool discard it on release.
 */
function dropClientOnReadTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && /query read timeout/i.test(error.message)) {
          (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        }
      });
    }
    return result;
  };
}
