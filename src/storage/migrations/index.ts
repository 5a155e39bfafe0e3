import type { Migration, MigrationProvider } from 'kysely';
import type { Backend } from '../database';
import { initialMigration } from './0001-initial';
import { consoleMigration } from './0002-console';
import { funnelMigration } from './0003-funnel';
import { contentVersionMigration } from './0004-content-version';

/** Migrations live in code (no directory scan), so the compiled build and tsx run the same list. */
export function migrationProvider(backend: Backend): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(backend),
    '0002-console': consoleMigration(backend),
    '0003-funnel': funnelMigration(),
    '0004-content-version': contentVersionMigration(),
  };
  return { getMigrations: async () => migrations };
}
