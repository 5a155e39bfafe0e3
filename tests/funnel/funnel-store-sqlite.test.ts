import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { sqliteFileName } from '../../src/storage/embedded/sqlite-database';
import { openSqliteConnection } from '../../src/storage/embedded/sqlite-driver';
import { describeFunnelStoreContract } from './funnel-store-contract';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table through a separate connection, plus the raw bytes of the database and its WAL. */
function rawText(dataDir: string): string {
  const raw = openSqliteConnection(path.join(dataDir, sqliteFileName), { readonly: true });
  try {
    const tables = raw.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
    const rows = tables.map(({ name }) => JSON.stringify(raw.prepare(`select * from "${name}"`).all()));
    const files = readdirSync(dataDir).map((file) => readFileSync(path.join(dataDir, file)).toString('utf8'));
    return [...rows, ...files].join('\n');
  } finally {
    raw.close();
  }
}

describeFunnelStoreContract({
  kind: 'sqlite',
  async fresh() {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-funnel-'));
    tempDirs.push(dataDir);
    const stores = await createStores(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
    return { stores, rawText: async () => rawText(dataDir) };
  },
});
