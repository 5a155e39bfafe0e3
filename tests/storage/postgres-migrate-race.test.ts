import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { dropSchemas, postgresServerUrl } from '../support/postgres-schema';

/**
 * Another app (or test file) on the same database creating and dropping schemas while TrialGuide starts: Kysely
 * reads every schema when it looks for its migration tables, and a schema vanishing in that moment must not
 * fail the start (src/storage/migrate.ts tries again).
 */
const runId = `${process.pid}_${Date.now().toString(36)}`;
const ours: string[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-migrate-race-'));

afterAll(async () => {
  const admin = new pg.Client({ connectionString: postgresServerUrl });
  await admin.connect();
  try {
    await dropSchemas(admin, ours);
  } finally {
    await admin.end();
  }
  rmSync(dir, { recursive: true, force: true });
});

it('starts (migrates) while another client keeps creating and dropping schemas with tables', async () => {
  const churn = new pg.Client({ connectionString: postgresServerUrl });
  await churn.connect();
  let running = true;
  const churning = (async () => {
    for (let round = 0; running; round += 1) {
      const schema = `churn_${runId}_${round}`;
      await churn.query(`create schema "${schema}"; create table "${schema}".t (id int primary key, label text)`);
      await churn.query(`drop schema "${schema}" cascade`);
      // Far busier than a test suite on one database: a schema dropped every few milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    for (let start = 0; start < 12; start += 1) {
      const schema = `migrate_race_${runId}_${start}`;
      ours.push(schema);
      const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: postgresServerUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' });
      const stores = await createStores(config, createLogger('silent'), { schema });
      expect(stores.kind).toBe('postgres');
      await stores.close();
    }
  } finally {
    running = false;
    await churning;
    await churn.end();
  }
}, 120_000);
