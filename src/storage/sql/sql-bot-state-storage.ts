import { randomUUID } from 'node:crypto';
import type { StoreItems } from 'botbuilder';
import { sql } from 'kysely';
import type { FieldCipher } from '../../security/field-encryption';
import type { SqlContext, SqliteDirect } from '../database';
import type { BotStateStorage } from '../ports';
import { ETagConflictError, retryOnConnectionLost } from '../storage-errors';

export { ETagConflictError };

/**
 * botbuilder's `BotState.saveChanges` always writes with eTag '*' (last writer wins), whatever it read. So that
 * the eTag really guards a turn's read-modify-write, `read` also tags each returned item with the eTag it was
 * read at, under this symbol: not enumerable, so it is neither part of the state's change hash nor stored, nor
 * copied by spreading. A write of that same object with eTag '*' is then checked against the tagged eTag.
 */
export const readETag = Symbol('trialguide.readETag');

function tagRead(item: Record<string, unknown>, etag: string): void {
  Object.defineProperty(item, readETag, { value: etag, enumerable: false, writable: true, configurable: true });
}

interface StoredRow {
  key: string;
  etag: string;
  document_enc: string;
}

/** The eTag is a column, not part of the stored document; the document is encrypted as a whole. */
function withoutETag(item: Record<string, unknown>): Record<string, unknown> {
  const { eTag: _ignored, ...document } = item;
  return document;
}

/**
 * botbuilder `Storage` with MemoryStorage's eTag rules: every write gets a new eTag; a write carrying an
 * eTag other than '*' must match the stored one, unless nothing is stored under the key yet. One
 * `write` call is one transaction, so a conflict on one key writes none of them.
 * Documents are encrypted: conversation state can hold a phone number in the middle of a dialog.
 */
export class SqlBotStateStorage implements BotStateStorage {
  constructor(
    private readonly context: SqlContext,
    private readonly cipher: FieldCipher,
  ) {}

  private aad(key: string): string {
    return `bot_state:${key}`;
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    if (keys.length === 0) return {};
    const { sqliteDirect } = this.context;
    const rows = sqliteDirect
      ? await this.readSqlite(sqliteDirect, keys)
      : await retryOnConnectionLost(() => this.context.db.selectFrom('bot_state').select(['key', 'etag', 'document_enc']).where('key', 'in', keys).execute());
    const items: StoreItems = {};
    for (const row of rows) {
      const item: Record<string, unknown> = { ...(JSON.parse(this.cipher.decrypt(row.document_enc, this.aad(row.key))) as object), eTag: row.etag };
      tagRead(item, row.etag);
      items[row.key] = item;
    }
    return items;
  }

  /** Keys asked for by reads not yet sent to SQLite, and the rows that query will give. */
  private pendingRead: { keys: Set<string>; rows: Promise<StoredRow[]> } | undefined;

  /**
   * On SQLite, reads asked for in the same pass of the event loop share one query (a turn loads its conversation
   * and user state together, issue 11: each query also takes Kysely's connection and checks the shared-memory
   * file). Each read gets only the rows of its own keys; a failed query fails every read that shared it.
   */
  private readSqlite(direct: SqliteDirect, keys: string[]): Promise<StoredRow[]> {
    let batch = this.pendingRead;
    if (!batch) {
      const batchKeys = new Set<string>();
      const rows = new Promise<StoredRow[]>((resolve, reject) => {
        process.nextTick(() => {
          this.pendingRead = undefined;
          const all = [...batchKeys];
          direct((statements) => statements.all<StoredRow>(`select key, etag, document_enc from bot_state where key in (${all.map(() => '?').join(', ')})`, all)).then(resolve, reject);
        });
      });
      batch = { keys: batchKeys, rows };
      this.pendingRead = batch;
    }
    for (const key of keys) batch.keys.add(key);
    return batch.rows.then((rows) => rows.filter((row) => keys.includes(row.key)));
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const entries = Object.entries(changes);
    if (entries.length === 0) return;
    if (this.context.sqliteDirect) return this.writeSqlite(this.context.sqliteDirect, entries);
    const now = Date.now();
    let written: Array<[Record<string, unknown>, string]> = [];
    // Safe to repeat after a lost connection: an eTag-guarded write that did commit then fails as a conflict.
    await retryOnConnectionLost(() => this.withChatStateDurability((db) => db.transaction().execute(async (trx) => {
      written = [];
      for (const [key, item] of entries) {
        const record = (item ?? {}) as Record<string, unknown>;
        const etag = randomUUID();
        const document_enc = this.cipher.encrypt(JSON.stringify(withoutETag(record)), this.aad(key));
        const explicit = typeof record.eTag === 'string' && record.eTag !== '' && record.eTag !== '*' ? record.eTag : undefined;
        const tagged = record[readETag as unknown as string];
        const expected = explicit ?? (typeof tagged === 'string' ? tagged : undefined);
        written.push([record, etag]);
        if (expected === undefined) {
          await trx
            .insertInto('bot_state')
            .values({ key, etag, document_enc, updated_at: now })
            .onConflict((conflict) => conflict.column('key').doUpdateSet({ etag, document_enc, updated_at: now }))
            .execute();
          continue;
        }
        const updated = await trx
          .updateTable('bot_state')
          .set({ etag, document_enc, updated_at: now })
          .where('key', '=', key)
          .where('etag', '=', expected)
          .executeTakeFirst();
        if (updated.numUpdatedRows > 0n) continue;
        // No row with that eTag: fine only if nothing is stored yet (MemoryStorage semantics).
        const inserted = await trx
          .insertInto('bot_state')
          .values({ key, etag, document_enc, updated_at: now })
          .onConflict((conflict) => conflict.column('key').doNothing())
          .executeTakeFirst();
        if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new ETagConflictError(key);
      }
    })));
    // A second save of the same objects in this turn must expect what this one wrote.
    for (const [record, etag] of written) if (Object.isExtensible(record)) tagRead(record, etag);
  }

  /**
   * The same writes on SQLite as one synchronous transaction on the held connection: what the Kysely version
   * does statement by statement (the per-turn hot path, issue 11). Documents are encrypted before it begins.
   */
  private async writeSqlite(direct: SqliteDirect, entries: Array<[string, unknown]>): Promise<void> {
    const now = Date.now();
    const rows = entries.map(([key, item]) => {
      const record = (item ?? {}) as Record<string, unknown>;
      const explicit = typeof record.eTag === 'string' && record.eTag !== '' && record.eTag !== '*' ? record.eTag : undefined;
      const tagged = record[readETag as unknown as string];
      return { key, record, etag: randomUUID(), document: this.cipher.encrypt(JSON.stringify(withoutETag(record)), this.aad(key)), expected: explicit ?? (typeof tagged === 'string' ? tagged : undefined) };
    });
    await direct((statements) => {
      // Chat state commits with synchronous = NORMAL (see withChatStateDurability), restored even on failure.
      statements.run('pragma synchronous = NORMAL');
      try {
        statements.run('begin');
        try {
          for (const { key, etag, document, expected } of rows) {
            if (expected === undefined) {
              statements.run('insert into bot_state (key, etag, document_enc, updated_at) values (?, ?, ?, ?) on conflict (key) do update set etag = excluded.etag, document_enc = excluded.document_enc, updated_at = excluded.updated_at', [key, etag, document, now]);
              continue;
            }
            if (statements.run('update bot_state set etag = ?, document_enc = ?, updated_at = ? where key = ? and etag = ?', [etag, document, now, key, expected]).changes > 0) continue;
            // No row with that eTag: fine only if nothing is stored yet (MemoryStorage semantics).
            if (statements.run('insert into bot_state (key, etag, document_enc, updated_at) values (?, ?, ?, ?) on conflict (key) do nothing', [key, etag, document, now]).changes === 0) throw new ETagConflictError(key);
          }
          statements.run('commit');
        } catch (error) {
          // SQLite may have rolled back by itself (a full disk): the original error is the one to report.
          try {
            statements.run('rollback');
          } catch {
            // no transaction left to roll back
          }
          throw error;
        }
      } finally {
        statements.run('pragma synchronous = FULL');
      }
    });
    // A second save of the same objects in this turn must expect what this one wrote.
    for (const { record, etag } of rows) if (Object.isExtensible(record)) tagRead(record, etag);
  }

  /**
   * Chat state is written every turn. On SQLite a commit with `synchronous = FULL` (the database's setting,
   * for referrals and their outbox rows) waits for an fsync with the event loop blocked, which under load
   * stalled every conversation in the process (issue 11: about a sixth of a turn's time). Chat state commits
   * with `synchronous = NORMAL` instead: in WAL mode that survives the process being killed and only a power
   * loss or OS crash can roll back the last turns' state (the conversation then resumes a step earlier; it is
   * never corrupted). The setting is switched on the one connection held for this write, so no other
   * statement runs under it, and it is restored even when the write fails.
   */
  private async withChatStateDurability<T>(write: (db: SqlContext['db']) => Promise<T>): Promise<T> {
    if (this.context.backend !== 'sqlite') return write(this.context.db);
    return this.context.db.connection().execute(async (connection) => {
      await sql`pragma synchronous = NORMAL`.execute(connection);
      try {
        return await write(connection);
      } finally {
        await sql`pragma synchronous = FULL`.execute(connection);
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.context.db.deleteFrom('bot_state').where('key', 'in', keys).execute();
  }

  /**
   * Compares the exact leading characters instead of using LIKE: no wildcard escaping to get wrong, and
   * SQLite's LIKE ignores ASCII case, which would erase another conversation's state.
   */
  async deleteKeysWithPrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new Error('Refusing to delete all bot state: empty prefix');
    const result = await this.context.db
      .deleteFrom('bot_state')
      .where(sql<boolean>`substr(key, 1, length(cast(${prefix} as text))) = cast(${prefix} as text)`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeUpdatedBefore(cutoff: Date): Promise<number> {
    const result = await this.context.db.deleteFrom('bot_state').where('updated_at', '<', cutoff.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
