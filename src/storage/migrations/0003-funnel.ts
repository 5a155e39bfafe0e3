import type { Kysely, Migration } from 'kysely';

/**
 * The recruitment funnel: one counter row per (week, locale, channel, stage), and the unanswered questions
 * (redacted, encrypted text; deleted with the chat-state retention). Same DDL on both backends.
 */
export function funnelMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('funnel_counts')
        .addColumn('week', 'text', (column) => column.notNull())
        .addColumn('locale', 'text', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('stage', 'text', (column) => column.notNull())
        .addColumn('count', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('funnel_counts_pk', ['week', 'locale', 'channel', 'stage'])
        .execute();

      await db.schema
        .createTable('funnel_questions')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('week', 'text', (column) => column.notNull())
        .addColumn('locale', 'text', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('outcome', 'text', (column) => column.notNull())
        .addColumn('text_enc', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('funnel_questions_created_at_idx').on('funnel_questions').column('created_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('funnel_questions').ifExists().execute();
      await db.schema.dropTable('funnel_counts').ifExists().execute();
    },
  };
}
