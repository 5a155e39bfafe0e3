import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { keyFileName } from '../../src/security/encryption-key';
import { type CreateStoresOptions, createStores } from '../../src/storage/create-stores';
import { sqliteFileName } from '../../src/storage/embedded/sqlite-database';
import { type StoresBackend, type TestDatabase, describeStoresContract } from './stores-contract';
import { openSqliteConnection } from '../../src/storage/embedded/sqlite-driver';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-sqlite-'));
  tempDirs.push(dir);
  return dir;
}

const silent = createLogger('silent');

function openStores(dataDir: string, options?: CreateStoresOptions, env: Record<string, string> = {}) {
  return createStores(loadConfig({ DATA_DIR: dataDir, ...env }), silent, options);
}

/** Every row of every table, read through a separate connection, plus the raw bytes of the file and its WAL. */
function rawText(dataDir: string): string {
  const raw = openSqliteConnection(path.join(dataDir, sqliteFileName), { readonly: true });
  try {
    const tables = raw.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
    const rows = tables.map(({ name }) => JSON.stringify(raw.prepare(`select * from "${name}"`).all()));
    const files = readdirSync(dataDir).map((file) => readFileSync(path.join(dataDir, file)).toString('latin1'));
    return [...rows, ...files].join('\n');
  } finally {
    raw.close();
  }
}

const sqliteBackend: StoresBackend = {
  kind: 'sqlite',
  async fresh(options): Promise<TestDatabase> {
    const dataDir = tempDataDir();
    return {
      stores: await openStores(dataDir, options),
      open: (again, env) => openStores(dataDir, again, env),
      rawText: async () => rawText(dataDir),
    };
  },
};

describeStoresContract(sqliteBackend);

describe('embedded SQLite specifics', () => {
  it('creates DATA_DIR, a 0600 key file once (warning without the key), and a WAL database', async () => {
    const dataDir = path.join(tempDataDir(), 'nested', 'data');
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    const stores = await createStores(loadConfig({ DATA_DIR: dataDir }), logger);
    await stores.close();
    const keyPath = path.join(dataDir, keyFileName);
    const key = readFileSync(keyPath, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(lines.some((line) => JSON.parse(line).level === 'warn' && /DATA_ENCRYPTION_KEY is not set/.test(line))).toBe(true);
    expect(lines.join('\n')).not.toContain(key);

    const again = await createStores(loadConfig({ DATA_DIR: dataDir }), logger);
    expect(again.kind).toBe('sqlite');
    await again.close();
    expect(readFileSync(keyPath, 'utf8').trim()).toBe(key);

    const raw = openSqliteConnection(path.join(dataDir, sqliteFileName), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('uses DATA_ENCRYPTION_KEY instead of a key file when it is set', async () => {
    const dataDir = tempDataDir();
    const stores = await openStores(dataDir, undefined, { DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    await stores.close();
    expect(readdirSync(dataDir)).not.toContain(keyFileName);
  });

  it('keeps a referral committed just before the process is killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'commit-then-hang.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const committedId = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /committed (\S+)\n/.exec(stdout);
        if (match?.[1]) {
          child.kill('SIGKILL');
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before committing: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const stores = await openStores(dataDir);
    try {
      expect((await stores.referrals.get(committedId))?.contact.phone).toBe('+85291234567');
      expect(await stores.outbox.countPending()).toBe(1);
    } finally {
      await stores.close();
    }
  });
});
