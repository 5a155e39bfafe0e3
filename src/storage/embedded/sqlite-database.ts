import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database';
import { openSqliteConnection } from './sqlite-driver';

export const sqliteFileName = 'trialguide.sqlite';

/**
 * Opens the embedded database file. WAL lets readers run beside the writer; `synchronous = FULL` fsyncs
 * the WAL on every commit, so a hand-off the bot has confirmed survives `kill -9` or power loss right
 * after; `busy_timeout` waits for a second process (a migration script) instead of failing at once.
 */
export function openSqliteDatabase(dataDir: string): Kysely<Database> {
  mkdirSync(dataDir, { recursive: true });
  const file = openSqliteConnection(path.join(dataDir, sqliteFileName));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = FULL');
  file.pragma('busy_timeout = 5000');
  file.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
}
