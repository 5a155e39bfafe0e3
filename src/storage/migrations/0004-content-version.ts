import type { Kysely, Migration } from 'kysely';

/**
 * The content version (src/content/content-version.ts) a person saw, stored with their referral so the study
 * team and an ethics committee know which approved wording led to it. Nullable: referrals stored before this
 * migration have none. Same DDL on both backends.
 */
export function contentVersionMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('referrals').addColumn('content_version', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('referrals').dropColumn('content_version').execute();
    },
  };
}
