import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, ConversationState, TestAdapter, TurnContext } from 'botbuilder';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { ETagConflictError } from '../../src/storage/storage-errors';
import { allText, startConversation } from '../support/conversation-harness';
import { connectWithSchema, dropSchema } from '../support/postgres-schema';

/**
 * Fault suite: two app instances on one PostgreSQL database handle the same conversation. Turns that take
 * turns must see each other's state; two turns that overlap must not silently overwrite each other (real
 * eTags: the later writer of a stale read fails instead of winning).
 */
const serverUrl = 'postgres://postgres@127.0.0.1:5432/test';
const runId = randomBytes(4).toString('hex');
const schema = `tg_two_${runId}`;
const appUrl = `${serverUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const env = { DATABASE_URL: appUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), DIRECTLINE_SECRET: `two-instances-directline-secret-${runId}` };

let admin: pg.Client;
const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-two-'));

beforeAll(async () => {
  admin = await connectWithSchema(schema, serverUrl);
});

afterAll(async () => {
  await dropSchema(admin, schema);
  rmSync(dataDir, { recursive: true, force: true });
});

function turnOf(conversationId: string): TurnContext {
  const activity = {
    type: 'message',
    channelId: 'directline',
    conversation: { id: conversationId },
    from: { id: 'user-1' },
    recipient: { id: 'bot' },
    text: 'hi',
  } as Partial<Activity> as Activity;
  return new TurnContext(new TestAdapter(), activity);
}

describe('two instances on one PostgreSQL database', () => {
  it('an overlapping turn that read stale state fails with an eTag conflict instead of overwriting the other instance', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, ...env });
    const instances: Stores[] = [await createStores(config, createLogger('silent')), await createStores(config, createLogger('silent'))];
    try {
      const [stateA, stateB] = instances.map((stores) => new ConversationState(stores.botState));
      const progressA = stateA!.createProperty<string[]>('answers');
      const progressB = stateB!.createProperty<string[]>('answers');
      const conversationId = `overlap-${runId}`;

      // Turn 0 on A stores the first answer.
      const first = turnOf(conversationId);
      await progressA.set(first, ['name']);
      await stateA!.saveChanges(first);

      // A and B both start a turn of the same conversation and read the same state.
      const onA = turnOf(conversationId);
      const onB = turnOf(conversationId);
      expect(await progressA.get(onA, [])).toEqual(['name']);
      expect(await progressB.get(onB, [])).toEqual(['name']);
      // B finishes first.
      await progressB.set(onB, ['name', 'phone']);
      await stateB!.saveChanges(onB);
      // A's write was based on a stale read: it must not replace B's answer.
      await progressA.set(onA, ['name', 'email']);
      await expect(stateA!.saveChanges(onA)).rejects.toBeInstanceOf(ETagConflictError);

      const check = turnOf(conversationId);
      expect(await progressA.get(check, [])).toEqual(['name', 'phone']);

      // A second save in one turn after a successful one is not a conflict with itself.
      const again = turnOf(conversationId);
      await progressA.set(again, [...(await progressA.get(again, [])), 'best time']);
      await stateA!.saveChanges(again);
      await progressA.set(again, [...(await progressA.get(again, [])), 'language']);
      await stateA!.saveChanges(again);
      expect(await progressB.get(turnOf(conversationId), [])).toEqual(['name', 'phone', 'best time', 'language']);
    } finally {
      for (const stores of instances) await stores.close();
    }
  });

  it('a hand-off answered alternately through two app instances keeps every answer and is confirmed once', async () => {
    const conversationId = `alternate-${runId}`;
    const a = await startConversation({ locale: 'en-US', env, conversationId, dataDir });
    const b = await startConversation({ locale: 'en-US', env, conversationId, dataDir, greet: false });
    try {
      const instances = [a, b];
      const script = ['I am the patient', 'talk to a person', 'yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English'];
      let last = '';
      for (const [index, text] of script.entries()) last = allText(await instances[index % 2]!.say(text));
      // The read-back, answered on the other instance, holds every answer given on either one.
      expect(last).toContain('Ms Chen');
      expect(last).toContain('+86 138 1234 5678');
      const confirmation = allText(await instances[script.length % 2]!.say('yes'));
      const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
      expect(reference, confirmation).toBeDefined();
      const stored = await admin.query<{ reference: string }>(`SELECT reference FROM ${schema}.referrals`);
      expect(stored.rows.map((row) => row.reference)).toEqual([reference]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
