import type { Kysely, Migration } from 'kysely';
import type { Backend } from '../database';

/**
 * The coordinators' console: local accounts, failed sign-in counters (so a lockout holds across instances and
 * restarts), server-side sessions (the sha256 of the cookie's id, never the id) and when a referral was first
 * opened, and by whom. The same DDL on both backends; flags are integers (0/1) so SQLite and PostgreSQL agree.
 */
export function consoleMigration(_backend: Backend): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('console_accounts')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('display_name', 'text', (column) => column.notNull())
        .addColumn('password_hash', 'text', (column) => column.notNull())
        .addColumn('disabled', 'integer', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();

      // Keyed by the name typed, whether or not an account has it: unknown names lock the same way.
      await db.schema
        .createTable('console_login_failures')
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('failures', 'integer', (column) => column.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (column) => column.primaryKey())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('subject', 'text', (column) => column.notNull())
        .addColumn('display_name', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_last_seen_at_idx').on('console_sessions').column('last_seen_at').execute();
      await db.schema.createIndex('console_sessions_subject_idx').on('console_sessions').columns(['kind', 'subject']).execute();

      // On the referral row, so erasure and retention take them along with it.
      await db.schema.alterTable('referrals').addColumn('first_opened_at', 'bigint').execute();
      await db.schema.alterTable('referrals').addColumn('first_opened_by', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('referrals').dropColumn('first_opened_by').execute();
      await db.schema.alterTable('referrals').dropColumn('first_opened_at').execute();
      for (const table of ['console_sessions', 'console_login_failures', 'console_accounts']) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
