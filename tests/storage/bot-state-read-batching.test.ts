import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFieldCipher } from '../../src/security/field-encryption';
import type { SqliteDirect } from '../../src/storage/database';
import { openSqliteDatabase } from '../../src/storage/embedded/sqlite-database';
import { migrateToLatest } from '../../src/storage/migrate';
import { SqlBotStateStorage } from '../../src/storage/sql/sql-bot-state-storage';

/** Issue 11: on SQLite, reads asked for in the same pass of the event loop (a turn's two states) share one query. */
describe('bot state reads on SQLite share one query per pass of the event loop', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-read-batching-'));
  const sqlite = openSqliteDatabase(dataDir);
  const queries: string[][] = [];
  let failNext = false;
  // The real connection, recording the keys of each query, or failing it.
  const direct: SqliteDirect = (work) =>
    sqlite.direct((statements) =>
      work({
        ...statements,
        all: (text, parameters = []) => {
          queries.push(parameters.map(String));
          if (failNext) {
            failNext = false;
            throw new Error('disk I/O error');
          }
          return statements.all(text, parameters);
        },
      }),
    );
  const storage = new SqlBotStateStorage({ db: sqlite.db, backend: 'sqlite', sqliteDirect: direct }, createFieldCipher(randomBytes(32)));

  beforeAll(async () => {
    await migrateToLatest(sqlite.db, 'sqlite');
    await storage.write({ 'c/conversations/1/': { dialogState: { dialogStack: [] } }, 'c/users/u/': { profile: { locale: 'en' } }, 'c/users/v/': { profile: { locale: 'zh-Hans' } } });
  });
  afterAll(async () => {
    await sqlite.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two reads at once: one query, and each read gets only its own keys', async () => {
    queries.length = 0;
    const [conversation, user] = await Promise.all([storage.read(['c/conversations/1/']), storage.read(['c/users/u/', 'c/users/missing/'])]);
    expect(queries).toEqual([['c/conversations/1/', 'c/users/u/', 'c/users/missing/']]);
    expect(Object.keys(conversation)).toEqual(['c/conversations/1/']);
    expect(conversation['c/conversations/1/']).toMatchObject({ dialogState: { dialogStack: [] } });
    expect(Object.keys(user)).toEqual(['c/users/u/']);
    expect(user['c/users/u/']).toMatchObject({ profile: { locale: 'en' } });
  });

  it('reads one after the other: a query each; a failed query fails every read that shared it, and the next read works', async () => {
    queries.length = 0;
    await storage.read(['c/users/u/']);
    await storage.read(['c/users/v/']);
    expect(queries).toEqual([['c/users/u/'], ['c/users/v/']]);
    failNext = true;
    const results = await Promise.allSettled([storage.read(['c/users/u/']), storage.read(['c/users/v/'])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(Object.keys(await storage.read(['c/users/v/']))).toEqual(['c/users/v/']);
  });
});
