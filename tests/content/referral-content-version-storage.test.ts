import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { NewReferral, Stores } from '../../src/storage/ports';
import { connectWithSchema, dropSchema, postgresServerUrl } from '../support/postgres-schema';

const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-content-version-'));
const silent = createLogger('silent');
const schema = `content_version_${process.pid}_${Date.now().toString(36)}`;
let admin: pg.Client | undefined;

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (admin) await dropSchema(admin, schema);
});

const backends: Array<{ name: string; open: () => Promise<Stores> }> = [
  { name: 'SQLite', open: () => createStores(loadConfig({ DATA_DIR: path.join(dataDir, 'sqlite') }), silent) },
  {
    name: 'PostgreSQL',
    open: async () => {
      admin = await connectWithSchema(schema);
      return createStores(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: postgresServerUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }), silent, { schema });
    },
  },
];

function referral(conversation: string, contentVersion?: string): NewReferral {
  return {
    conversationKey: `directline/${conversation}`,
    channel: 'directline',
    locale: 'en',
    contact: { name: 'Ms Chen', phone: '+8613812345678', bestTime: 'any', preferredLanguage: 'en', relationship: 'self' },
    consentVersion: 'handoff-consent-v2',
    ...(contentVersion === undefined ? {} : { contentVersion }),
  };
}

describe.each(backends)('migration 0004: the content version stored with a referral ($name)', ({ open }) => {
  it('reads back through get, getByReference and list; absent when none was given', async () => {
    const stores = await open();
    try {
      expect(await stores.migrationsApplied()).toBe(true);
      const now = new Date('2026-12-01T10:00:00Z');
      const stamped = await stores.referrals.createWithNotifications(referral('a', '0f232fb86315'), [], now);
      const older = await stores.referrals.createWithNotifications(referral('b'), [], new Date(now.getTime() + 1000));
      expect(stamped.contentVersion).toBe('0f232fb86315');
      expect((await stores.referrals.get(stamped.id))?.contentVersion).toBe('0f232fb86315');
      expect((await stores.referrals.getByReference(stamped.reference))?.contentVersion).toBe('0f232fb86315');
      expect((await stores.referrals.get(older.id))?.contentVersion).toBeUndefined();
      const listed = await stores.referrals.list({ limit: 10 });
      expect(listed.items.map((item) => [item.id, item.contentVersion])).toEqual([
        [older.id, undefined],
        [stamped.id, '0f232fb86315'],
      ]);
      // A status change keeps it.
      expect((await stores.referrals.update(stamped.id, { status: 'contacted' }, now))?.contentVersion).toBe('0f232fb86315');
    } finally {
      await stores.close();
    }
  });
});
