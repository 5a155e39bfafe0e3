import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { connectWithSchema, dropSchema, dropSchemas, postgresServerUrl } from '../support/postgres-schema';
import { describeFunnelStoreContract } from './funnel-store-contract';

const runId = `${process.pid}_${Date.now().toString(36)}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-funnel-pg-'));
/** One admin connection with a probe schema of its own: it fails the run (never skips) when PostgreSQL is down. */
const probeSchema = `funnel_probe_${runId}`;
const schemas: string[] = [];
let admin: pg.Client;

beforeAll(async () => {
  admin = await connectWithSchema(probeSchema);
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(admin, schemas);
  await dropSchema(admin, probeSchema);
});

describeFunnelStoreContract({
  kind: 'postgres',
  async fresh() {
    const schema = `funnel_test_${runId}_${schemas.length}`;
    schemas.push(schema);
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: postgresServerUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    const stores = await createStores(config, createLogger('silent'), { schema });
    const rawText = async () => {
      const tables = await admin.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
      const dumps: string[] = [];
      for (const { table_name } of tables.rows) dumps.push(JSON.stringify((await admin.query(`select * from "${schema}"."${table_name}"`)).rows));
      return dumps.join('\n');
    };
    return { stores, rawText };
  },
});
