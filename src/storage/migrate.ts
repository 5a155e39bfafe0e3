import { Migrator } from 'kysely';
import type { Backend, Database } from './database';
import type { Kysely } from 'kysely';
import { migrationProvider } from './migrations';

/**
 * Brings the schema up to date at startup. On PostgreSQL Kysely holds an advisory lock meanwhile, so
 * several instances starting together migrate once. `migrationSchema` must be given on PostgreSQL:
 * without it Kysely would find a migration table in ANY schema of the database and skip creating ours.
 */
export async function migrateToLatest(db: Kysely<Database>, backend: Backend, migrationSchema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(backend), ...(migrationSchema ? { migrationTableSchema: migrationSchema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  // Before it takes its lock, Kysely looks for its tables by reading every schema of the database; a schema
  // dropped by someone else in that moment (another app sharing the database, a test) fails that read with
  // PostgreSQL's invalid_schema_name. Nothing was changed yet: trying again (up to 10 times, about 1.4 s of
  // back-off in all) is safe.
  for (let attempt = 1; attempt <= 10 && schemaVanished(error); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed) {
    const cause = error instanceof Error ? error : new Error(typeof error === 'string' ? error : 'unknown migration error');
    throw new Error(`Storage migration ${failed?.migrationName ?? ''} failed: ${cause.message}`, { cause });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** True when every migration of this build is recorded as applied (for /readyz). */
export async function migrationsApplied(db: Kysely<Database>, backend: Backend, migrationSchema?: string): Promise<boolean> {
  const migrator = new Migrator({ db, provider: migrationProvider(backend), ...(migrationSchema ? { migrationTableSchema: migrationSchema } : {}) });
  const migrations = await migrator.getMigrations();
  return migrations.length > 0 && migrations.every((migration) => migration.executedAt !== undefined);
}

/** PostgreSQL's invalid_schema_name (3F000), as Kysely hands it back. */
function schemaVanished(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';
}
