import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { type RecordedRequest, startRecordingServer, waitFor } from '../support/http';

const i18n = createTranslator(projectRoot);

/**
 * POST /api/messages as the Bot Framework Emulator calls it: no app id (auth off), and the bot POSTs its
 * replies to the activity's serviceUrl — here a real local HTTP server standing in for the Emulator.
 */
describe('POST /api/messages as the Bot Framework Emulator', () => {
  let app: App;
  let baseUrl: string;
  let emulator: Awaited<ReturnType<typeof startRecordingServer>>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-emulator-'));
    emulator = await startRecordingServer(() => ({ status: 200, body: { id: 'reply' } }));
    app = await buildApp(loadConfig({ DATA_DIR: dataDir }), { logger: createLogger('silent') });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  });
  afterAll(async () => {
    await app.stop();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let sequence = 0;
  async function post(conversationId: string, activity: Record<string, unknown>, locale: string): Promise<Response> {
    sequence += 1;
    return fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `a${sequence}`,
        channelId: 'emulator',
        serviceUrl: emulator.url,
        conversation: { id: conversationId },
        from: { id: `user-${conversationId}`, name: 'User' },
        recipient: { id: 'bot', name: 'Bot' },
        locale,
        timestamp: new Date().toISOString(),
        ...activity,
      }),
    });
  }

  function repliesTo(conversationId: string): Array<{ type: string; text?: string }> {
    return emulator.requests
      .filter((request: RecordedRequest) => request.url.includes(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`))
      .map((request) => JSON.parse(request.body) as { type: string; text?: string })
      .filter((activity) => activity.type === 'message');
  }

  async function say(conversationId: string, text: string, locale: string, expectedReplies: number): Promise<string[]> {
    const before = repliesTo(conversationId).length;
    const response = await post(conversationId, { type: 'message', text }, locale);
    expect(response.status).toBe(200);
    return waitFor(() => {
      const all = repliesTo(conversationId);
      return all.length >= before + expectedReplies ? all.slice(before).map((reply) => reply.text ?? '') : undefined;
    });
  }

  it.each([
    ['zh-CN', 'zh-Hans'],
    ['zh-TW', 'zh-Hant'],
    ['en-US', 'en'],
  ] as const)('a conversation started with locale %s is greeted and answered in %s', async (channelLocale, locale) => {
    const t = i18n.getFixedT(locale);
    const conversationId = `conv-${channelLocale}`;
    const start = await post(conversationId, { type: 'conversationUpdate', membersAdded: [{ id: `user-${conversationId}` }] }, channelLocale);
    expect(start.status).toBe(200);
    const greeting = await waitFor(() => (repliesTo(conversationId).length >= 3 ? repliesTo(conversationId) : undefined));
    expect(greeting[0]?.text).toContain(t('common:welcome.greeting', { siteName: app.config.site.siteName[locale] }));
    // The greeting ends with the menu: nobody is asked who is asking. "1" (About the study) opens the topic list.
    expect(greeting[2]?.text).toBe(t('common:menu.prompt'));
    const topics = await say(conversationId, '1', channelLocale, 1);
    expect(topics.at(-1)).toContain(t('topics:about.answer'));

    // The pre-check asks who is asking first ("1": the patient); then a question typed while it waits for an
    // age is answered, and the same question is asked again.
    const precheck = await say(conversationId, t('common:nav.menu'), channelLocale, 1);
    expect(precheck.at(-1)).toBe(t('common:menu.prompt'));
    const roleQuestion = await say(conversationId, '2', channelLocale, 1);
    expect(roleQuestion.at(-1)).toBe(`${t('common:role.prompt')}\n\n${t('common:role.why')}`);
    const started = await say(conversationId, '1', channelLocale, 2);
    expect(started.at(-1)).toContain(t('precheck:questions.age.question'));
    const agePrompt = started.at(-1) ?? '';
    const question = { en: 'what is apatinib?', 'zh-Hans': '阿帕替尼是什么？', 'zh-Hant': '阿帕替尼是甚麼？' }[locale];
    const answered = await say(conversationId, question, channelLocale, 2);
    expect(answered.join('\n')).toContain(t('topics:apatinib.answer'));
    expect(answered.at(-1)).toBe(agePrompt);
  });

  it('an emergency inside a dialog gets the emergency number first, before anything else', async () => {
    const conversationId = 'conv-emergency';
    await post(conversationId, { type: 'conversationUpdate', membersAdded: [{ id: `user-${conversationId}` }] }, 'zh-CN');
    await waitFor(() => (repliesTo(conversationId).length >= 3 ? true : undefined));
    const replies = await say(conversationId, '我爸爸一直在吐血，止不住', 'zh-CN', 1);
    expect(replies[0]).toContain('120');
    expect(replies[0]).toContain(i18n.getFixedT('zh-Hans')('safety:emergency', { emergencyNumber: '120' }).slice(0, 6));
  });

  it('malformed requests get a JSON error, never a stack trace', async () => {
    const badJson = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type": ' });
    expect(badJson.status).toBe(400);
    const body = (await badJson.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules/);

    const notActivity = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2,3]' });
    expect(notActivity.status).toBe(400);

    const huge = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('GET /healthz answers 200 (liveness only) and GET /readyz reports storage, the delivery worker and migrations', async () => {
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(await ready.json()).toMatchObject({ checks: { storage: true, migrations: true } });
  });
});
