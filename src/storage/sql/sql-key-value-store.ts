import type { SqlContext } from '../database';
import type { KeyValueStore } from '../ports';

/**
 * Expiring key-value pairs. `setIfAbsent` is a single upsert that only overwrites an expired row, which
 * both backends execute atomically; the port gives it no `now`, so expiry is judged by the wall clock.
 */
export class SqlKeyValueStore implements KeyValueStore {
  constructor(
    private readonly context: SqlContext,
    private readonly wallClock: () => number = Date.now,
  ) {}

  async get(key: string, now: Date): Promise<string | undefined> {
    const row = await this.context.db
      .selectFrom('key_value')
      .select('value')
      .where('key', '=', key)
      .where('expires_at', '>', now.getTime())
      .executeTakeFirst();
    return row?.value;
  }

  async set(key: string, value: string, expiresAt: Date): Promise<void> {
    const expires_at = expiresAt.getTime();
    await this.context.db
      .insertInto('key_value')
      .values({ key, value, expires_at })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, expires_at }))
      .execute();
  }

  async setIfAbsent(key: string, value: string, expiresAt: Date): Promise<boolean> {
    const expires_at = expiresAt.getTime();
    const written = await this.context.db
      .insertInto('key_value')
      .values({ key, value, expires_at })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, expires_at }).where('key_value.expires_at', '<=', this.wallClock()))
      .returning('key')
      .executeTakeFirst();
    return written !== undefined;
  }

  async delete(key: string): Promise<void> {
    await this.context.db.deleteFrom('key_value').where('key', '=', key).execute();
  }
}
