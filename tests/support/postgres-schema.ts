import pg from 'pg';

/** The PostgreSQL every machine and CI runs (trust auth, database `test`). */
export const postgresServerUrl = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * An admin connection with a fresh schema of the test's own, so test files never see each other's tables.
 * Fails with how to start PostgreSQL when it is not running: PostgreSQL tests never skip.
 */
export async function connectWithSchema(schema: string, serverUrl = postgresServerUrl): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await admin.connect().catch((error: unknown) => {
    throw new Error(`PostgreSQL is not reachable at ${serverUrl} (${String(error)}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  return admin;
}

export async function dropSchema(admin: pg.Client, schema: string): Promise<void> {
  await dropSchemas(admin, [schema]);
  await admin.end();
}

/**
 * Kysely's migrator holds this advisory lock while it migrates: dropping under the same lock never removes a
 * schema in the middle of another file's migration. (Its first look for its tables happens before the lock and
 * reads every schema; src/storage/migrate.ts tries again when a schema vanishes then.)
 */
const kyselyMigrationLockId = '3853314791062309107';

export async function dropSchemas(admin: pg.Client, schemas: readonly string[]): Promise<void> {
  await admin.query(`select pg_advisory_lock(${kyselyMigrationLockId})`);
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await admin.query(`select pg_advisory_unlock(${kyselyMigrationLockId})`);
  }
}
