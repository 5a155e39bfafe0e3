import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConversation } from '../support/conversation-harness';
import { connectWithSchema, dropSchema } from '../support/postgres-schema';

/**
 * The whole app on PostgreSQL (DATABASE_URL), as a multi-instance hospital deployment runs it: a hand-off
 * through the real dialogs lands in PostgreSQL, encrypted. Isolated in its own schema, dropped afterwards.
 * Never skipped: PostgreSQL runs on every machine and in CI.
 */
const schema = `tg_app_${randomBytes(4).toString('hex')}`;
const serverUrl = 'postgres://postgres@127.0.0.1:5432/test';

describe('the app on PostgreSQL', () => {
  let admin: Client;
  beforeAll(async () => {
    admin = await connectWithSchema(schema, serverUrl);
  });
  afterAll(async () => {
    await dropSchema(admin, schema);
  });

  it('a hand-off typed in Traditional Chinese is stored in PostgreSQL with the contact encrypted', async () => {
    const chat = await startConversation({
      locale: 'zh-HK',
      env: {
        DATABASE_URL: `${serverUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        DIRECTLINE_SECRET: 'postgres-app-test-directline-secret-0123',
      },
    });
    try {
      expect(chat.stores.kind).toBe('postgres');
      await chat.say('我是病人本人');
      await chat.say('人工');
      for (const answer of ['同意', '李先生', '9123 4567', '跳過', '上午', '粵語']) await chat.say(answer);
      const confirmation = (await chat.say('確認')).map((reply) => reply.text).join('\n');
      const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
      expect(reference, confirmation).toBeDefined();

      const listed = await chat.stores.referrals.list({ limit: 10 });
      const stored = await chat.stores.referrals.get(listed.items[0]?.id ?? '');
      expect(stored).toMatchObject({ reference, locale: 'zh-Hant', contact: { phone: '+85291234567', name: '李先生' } });
      const raw = await admin.query(`SELECT * FROM ${schema}.referrals`);
      expect(raw.rows).toHaveLength(1);
      expect(JSON.stringify(raw.rows)).not.toContain('91234567');
      expect(JSON.stringify(raw.rows)).not.toContain('李先生');
    } finally {
      await chat.close();
    }
  });
});
