import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';

/**
 * Issue 8, finding 6: referral lookups were limited per conversation only, and a new Direct Line conversation
 * costs nothing, so one client could look up 100 references in 7 seconds. The real bot, over HTTP, behind the
 * hospital's proxy (TRUST_PROXY: the last X-Forwarded-For entry is the client).
 */
const secret = 'lookup-limit-directline-secret-0123456789';
const t = createTranslator(projectRoot).getFixedT('en');

describe('referral lookups are limited per client address too', () => {
  let app: App;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-dl-lookups-'));
    app = await buildApp(loadConfig({ DATA_DIR: dataDir, DIRECTLINE_SECRET: secret, TRUST_PROXY: 'true', LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
    base = `http://127.0.0.1:${await app.start(0)}/v3/directline`;
  });
  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(url: string, client: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', 'X-Forwarded-For': client },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Record<string, unknown>;
  }

  /** A new conversation, as a page reload makes one; the person says who they are. */
  async function newConversation(client: string): Promise<string> {
    const started = await post(`${base}/conversations`, client, { locale: 'en-US' });
    const conversationId = started.conversationId as string;
    await post(`${base}/conversations/${conversationId}/activities`, client, { type: 'message', text: 'I am the patient' });
    return conversationId;
  }

  /** "check my referral", then a reference that does not exist; returns the bot's answer to the reference. */
  async function lookUp(conversationId: string, client: string, reference: string): Promise<string> {
    const activities = `${base}/conversations/${conversationId}/activities`;
    await post(activities, client, { type: 'message', text: 'check my referral' });
    const before = (await (await fetch(activities, { headers: { Authorization: `Bearer ${secret}` } })).json()) as { watermark: string };
    await post(activities, client, { type: 'message', text: reference });
    const after = (await (await fetch(`${activities}?watermark=${before.watermark}`, { headers: { Authorization: `Bearer ${secret}` } })).json()) as { activities: Array<{ text?: string; from: { role?: string } }> };
    return after.activities.filter((activity) => activity.from.role === 'bot').map((activity) => activity.text ?? '').join('\n');
  }

  it('100 lookups from one client across new conversations: 30 are answered, the other 70 refused; another client is still answered', async () => {
    const client = '203.0.113.7';
    const answers: string[] = [];
    const startedAt = Date.now();
    let conversationId = '';
    for (let lookup = 0; lookup < 100; lookup += 1) {
      // A fresh conversation every 10 lookups: the per-conversation limit alone would never stop this.
      if (lookup % 10 === 0) conversationId = await newConversation(client);
      answers.push(await lookUp(conversationId, client, 'TG-22222'));
    }
    const elapsedMs = Date.now() - startedAt;
    const notFound = answers.filter((answer) => answer.includes(t('handoff:check.notFound', { reference: 'TG-22222' })));
    const refused = answers.filter((answer) => answer.includes(t('handoff:check.failed')));
    expect({ notFound: notFound.length, refused: refused.length }).toEqual({ notFound: 30, refused: 70 });
    // The first 30 were answered, everything after was refused.
    expect(answers.slice(0, 30).every((answer) => notFound.includes(answer))).toBe(true);
    console.info(`100 referral lookups from one client took ${elapsedMs} ms`);

    const other = await newConversation('198.51.100.9');
    expect(await lookUp(other, '198.51.100.9', 'TG-22222')).toContain(t('handoff:check.notFound', { reference: 'TG-22222' }));
  }, 60_000);
});
