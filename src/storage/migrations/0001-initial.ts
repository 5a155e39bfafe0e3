import type { Kysely, Migration } from 'kysely';
import type { Backend } from '../database';

/**
 * The initial schema. Only the audit id differs by dialect (SQLite rowid vs. identity column); the rest
 * is the same DDL on both backends. Migrations are append-only: never edit this file once released,
 * add 0002-... instead.
 */
export function initialMigration(backend: Backend): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('storage_meta')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('value', 'text', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('bot_state')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('etag', 'text', (column) => column.notNull())
        .addColumn('document_enc', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('referrals')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('reference', 'text', (column) => column.notNull())
        .addColumn('conversation_key', 'text', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('locale', 'text', (column) => column.notNull())
        .addColumn('contact_enc', 'text', (column) => column.notNull())
        .addColumn('precheck_enc', 'text')
        .addColumn('consent_version', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('note_enc', 'text')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
      // The name is matched when a generated reference collides (see sql-referral-store).
      await db.schema.createIndex('referrals_reference_key').unique().on('referrals').column('reference').execute();
      await db.schema.createIndex('referrals_created_at_id_idx').on('referrals').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('referrals_conversation_key_idx').on('referrals').column('conversation_key').execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('referral_id', 'text', (column) => column.notNull().references('referrals.id').onDelete('cascade'))
        .addColumn('sink', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('next_attempt_at', 'bigint', (column) => column.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('leased_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_referral_id_idx').on('outbox').column('referral_id').execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', backend === 'postgres' ? 'bigint' : 'integer', (column) =>
          backend === 'postgres' ? column.primaryKey().generatedAlwaysAsIdentity() : column.primaryKey().autoIncrement(),
        )
        .addColumn('actor', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('referral_id', 'text')
        .addColumn('detail', 'text')
        .addColumn('at', 'bigint', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('key_value')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('value', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('conversation_sequences')
        .addColumn('conversation_id', 'text', (column) => column.primaryKey())
        .addColumn('last_seq', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('conversation_log')
        .addColumn('conversation_id', 'text', (column) => column.notNull())
        .addColumn('seq', 'bigint', (column) => column.notNull())
        .addColumn('activity_enc', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('conversation_log_pk', ['conversation_id', 'seq'])
        .execute();
      await db.schema.createIndex('conversation_log_created_at_idx').on('conversation_log').column('created_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['conversation_log', 'conversation_sequences', 'key_value', 'audit_log', 'outbox', 'referrals', 'bot_state', 'storage_meta']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
