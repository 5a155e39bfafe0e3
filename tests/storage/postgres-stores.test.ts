import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropSchemas } from '../support/postgres-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { keyFileName } from '../../src/security/encryption-key';
import { type CreateStoresOptions, createStores } from '../../src/storage/create-stores';
import { migrationProvider } from '../../src/storage/migrations';
import { type StoresBackend, type TestDatabase, describeStoresContract } from './stores-contract';

const databaseUrl = 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-pg-'));
const silent = createLogger('silent');

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  try {
    await withClient((client) => client.query('select 1'));
  } catch (error) {
    // Never skipped: a missing server is a failure with the way to fix it.
    throw new Error(
      `PostgreSQL is not reachable at ${databaseUrl} (${(error as Error).message}). Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    );
  }
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (schemas.length === 0) return;
  await withClient(async (client) => {
    await dropSchemas(client, schemas);
  });
});

function openStores(schema: string, key: string, options: CreateStoresOptions = {}, env: Record<string, string> = {}) {
  return createStores(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, DATA_ENCRYPTION_KEY: key, ...env }), silent, { ...options, schema });
}

/** Every row of every table in the schema, read with a plain client. */
async function rawText(schema: string): Promise<string> {
  return withClient(async (client) => {
    const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
    const dumps: string[] = [];
    for (const { table_name } of tables.rows) dumps.push(JSON.stringify((await client.query(`select * from "${schema}"."${table_name}"`)).rows));
    return dumps.join('\n');
  });
}

const postgresBackend: StoresBackend = {
  kind: 'postgres',
  async fresh(options): Promise<TestDatabase> {
    const schema = `storage_test_${runId}_${schemas.length}`;
    schemas.push(schema);
    const key = randomBytes(32).toString('base64');
    return {
      stores: await openStores(schema, key, options),
      open: (again, env) => openStores(schema, key, again, env),
      rawText: () => rawText(schema),
    };
  },
};

describeStoresContract(postgresBackend);

describe('PostgreSQL specifics', () => {
  it('refuses to start without an encryption key, even if the config check was bypassed', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    const withoutKey = { ...config, env: { ...config.env, DATA_ENCRYPTION_KEY: undefined } };
    await expect(createStores(withoutKey, silent, { schema: `storage_test_${runId}_nokey` })).rejects.toThrow(/DATA_ENCRYPTION_KEY is required/);
  });

  it('key custody: never writes or reads a key file beside the data, and says where the key belongs', async () => {
    const keyDir = mkdtempSync(path.join(tmpdir(), 'trialguide-pg-key-'));
    try {
      const config = loadConfig({ DATA_DIR: keyDir, DATABASE_URL: databaseUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      const withoutKey = { ...config, env: { ...config.env, DATA_ENCRYPTION_KEY: undefined } };
      await expect(createStores(withoutKey, silent, { schema: `storage_test_${runId}_custody` })).rejects.toThrow(/secret store.*Key custody/);
      const schema = `storage_test_${runId}_custody_ok`;
      schemas.push(schema);
      const stores = await createStores(config, silent, { schema });
      await stores.close();
      expect(existsSync(path.join(keyDir, keyFileName))).toBe(false);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('migrates once when several instances start together, each in its own schema', async () => {
    const schema = `storage_test_${runId}_parallel`;
    schemas.push(schema);
    const key = randomBytes(32).toString('base64');
    const instances = await Promise.all([openStores(schema, key), openStores(schema, key), openStores(schema, key)]);
    try {
      expect(instances.map((stores) => stores.kind)).toEqual(['postgres', 'postgres', 'postgres']);
      const created = await instances[0].referrals.createWithNotifications(
        { conversationKey: 'webchat/p', channel: 'webchat', locale: 'en', contact: { name: 'A', phone: '+442071234567', bestTime: 'any', preferredLanguage: 'en', relationship: 'self' }, consentVersion: 'v1' },
        ['webhook'],
        new Date(),
      );
      expect((await instances[2].referrals.get(created.id))?.contact.phone).toBe('+442071234567');
      // Three instances migrating at once ran each migration exactly once.
      const migrations = await withClient((client) => client.query(`select name from "${schema}".kysely_migration order by name`));
      expect(migrations.rows).toEqual(Object.keys(await migrationProvider('postgres').getMigrations()).sort().map((name) => ({ name })));
      const publicTables = await withClient((client) =>
        client.query("select table_name from information_schema.tables where table_schema = 'public' and table_name = 'referrals'"),
      );
      expect(publicTables.rowCount).toBe(0);
    } finally {
      for (const stores of instances) await stores.close();
    }
  });
});
