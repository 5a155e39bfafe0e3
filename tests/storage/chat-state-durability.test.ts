import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type KyselyPlugin, RawNode, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createFieldCipher } from '../../src/security/field-encryption';
import { openSqliteDatabase } from '../../src/storage/embedded/sqlite-database';
import { migrateToLatest } from '../../src/storage/migrate';
import { ETagConflictError, SqlBotStateStorage } from '../../src/storage/sql/sql-bot-state-storage';

const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-chat-durability-'));
const sqlite = openSqliteDatabase(dataDir);
afterAll(async () => {
  await sqlite.db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** SQLite's `synchronous` level on the one connection: 1 NORMAL, 2 FULL. */
async function synchronousLevel(): Promise<number> {
  const rows = await sql<{ synchronous: number }>`pragma synchronous`.execute(sqlite.db);
  return rows.rows[0]?.synchronous ?? -1;
}

describe('chat state commits on SQLite (issue 11: no fsync with the event loop blocked on every turn)', () => {
  it('runs with synchronous = NORMAL only inside the chat-state write, and FULL again after it, also after a failed write', async () => {
    await migrateToLatest(sqlite.db, 'sqlite');
    // Records the raw statements that set `synchronous`, as the storage sends them.
    const pragmas: string[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: (args) => {
        if (RawNode.is(args.node) && args.node.sqlFragments.join('').includes('synchronous')) pragmas.push(args.node.sqlFragments.join('').trim());
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const storage = new SqlBotStateStorage({ db: sqlite.db.withPlugin(recorder), backend: 'sqlite' }, createFieldCipher(randomBytes(32)));
    expect(await synchronousLevel()).toBe(2);

    // A statement queued while the chat-state write holds the connection runs after it, under FULL.
    const seen: number[] = [];
    await Promise.all([storage.write({ 'directline/conversations/a': { step: 1 } }), synchronousLevel().then((level) => seen.push(level))]);
    expect(seen).toEqual([2]);
    expect(pragmas).toEqual(['pragma synchronous = NORMAL', 'pragma synchronous = FULL']);
    expect(await synchronousLevel()).toBe(2);
    expect((await storage.read(['directline/conversations/a']))['directline/conversations/a']).toMatchObject({ step: 1 });

    await expect(storage.write({ 'directline/conversations/a': { step: 2, eTag: 'stale' } })).rejects.toBeInstanceOf(ETagConflictError);
    expect(await synchronousLevel()).toBe(2);
    expect(pragmas).toHaveLength(4);
  });
});

describe('chat state on SQLite through the held connection (the per-turn path createStores uses)', () => {
  it('commits under NORMAL and leaves FULL for everything else, keeps eTag rules, and lets no other statement in between', async () => {
    await migrateToLatest(sqlite.db, 'sqlite');
    const storage = new SqlBotStateStorage({ db: sqlite.db, backend: 'sqlite', sqliteDirect: sqlite.direct }, createFieldCipher(randomBytes(32)));
    const key = 'bot-framework:emulator/conversations/direct/';

    // A statement queued while the write holds the connection runs after it, under FULL.
    const seen: number[] = [];
    await Promise.all([storage.write({ [key]: { step: 1 } }), synchronousLevel().then((level) => seen.push(level))]);
    expect(seen).toEqual([2]);
    expect(await synchronousLevel()).toBe(2);

    const read = await storage.read([key, 'bot-framework:emulator/users/nobody/']);
    expect(Object.keys(read)).toEqual([key]);
    expect(read[key]).toMatchObject({ step: 1 });

    // Saved again from what was read (botbuilder writes eTag '*'): guarded by the eTag it was read at.
    await storage.write({ [key]: { ...read[key], step: 2, eTag: '*' } });
    await expect(storage.write({ [key]: { step: 3, eTag: 'stale' } })).rejects.toBeInstanceOf(ETagConflictError);
    expect(await synchronousLevel()).toBe(2);
    // The failed write changed nothing, and the connection takes a new transaction.
    expect((await storage.read([key]))[key]).toMatchObject({ step: 2 });
    await storage.write({ [key]: { step: 4 }, 'bot-framework:emulator/users/u/': { profile: { locale: 'en' } } });
    expect(Object.keys(await storage.read([key, 'bot-framework:emulator/users/u/'])).sort()).toEqual([key, 'bot-framework:emulator/users/u/']);
  });
});
