import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, DirectLine } from 'botframework-directlinejs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { services } from '../support/directline-client-services';

/**
 * Issue 4: the stock Direct Line JS client (as Web Chat uses it, over WebSocket) completes a Chinese
 * pre-check and hand-off against the built-in endpoint, running the real bot, and the referral reaches the
 * coordinator API.
 */
const secret = 'real-bot-directline-secret-0123456789';
const coordinatorToken = 'real-bot-coordinator-token-0123456789';
const t = createTranslator(projectRoot).getFixedT('zh-Hans');
const textOf = (activity: Activity): string => ('text' in activity && typeof activity.text === 'string' ? activity.text : '');

describe('stock botframework-directlinejs client, real bot, Simplified Chinese', () => {
  let app: App;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-dl-real-'));
    app = await buildApp(loadConfig({ DATA_DIR: dataDir, DIRECTLINE_SECRET: secret, COORDINATOR_API_TOKENS: `test:${coordinatorToken}` }), { logger: createLogger('silent') });
    base = `http://127.0.0.1:${await app.start(0)}`;
    if (typeof globalThis.WebSocket === 'undefined') vi.stubGlobal('WebSocket', WebSocket);
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('greets, runs the pre-check and the hand-off by typed Chinese answers; the referral reaches the coordinators', async () => {
    const generated = await fetch(`${base}/v3/directline/tokens/generate`, { method: 'POST', headers: { Authorization: `Bearer ${secret}` } });
    const { token } = (await generated.json()) as { token: string };
    const directLine = new DirectLine({ token, domain: `${base}/v3/directline`, webSocket: true, conversationStartProperties: { locale: 'zh-CN' }, ...services });
    const botMessages: string[] = [];
    const waiters: Array<() => void> = [];
    const subscription = directLine.activity$.subscribe((activity) => {
      if (activity.type === 'message' && activity.from.role !== 'user' && !activity.from.id.startsWith('dl_')) {
        botMessages.push(textOf(activity));
        for (const wake of [...waiters]) wake();
      }
    });
    /** Resolves when a bot message containing `expected` arrives after message number `after`. */
    const waitForBot = (expected: string, after: number) =>
      new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for "${expected}"; last: ${botMessages.slice(-3).join(' | ')}`)), 15_000);
        const wake = () => {
          const fresh = botMessages.slice(after);
          if (!fresh.some((text) => text.includes(expected))) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(wake), 1);
          resolve(fresh);
        };
        waiters.push(wake);
        wake();
      });
    const say = async (text: string, expected: string): Promise<string[]> => {
      const after = botMessages.length;
      await new Promise<string>((resolve, reject) => {
        directLine.postActivity({ type: 'message', text, locale: 'zh-CN', from: { id: 'ignored' } }).subscribe({ next: resolve, error: reject });
      });
      return waitForBot(expected, after);
    };

    try {
      await waitForBot(t('common:menu.prompt'), 0);
      expect(botMessages.join('\n')).toContain('120');
      expect(botMessages.join('\n')).not.toContain(t('common:role.prompt'));
      const question = (id: string) => t(`precheck:questions.${id}.question`);
      // The pre-check asks who is asking first (nobody said); the hand-off later does not ask again.
      await say('我可能符合条件吗？', t('common:role.prompt'));
      await say('我是患者本人', question('age'));
      await say('五十六岁', question('diagnosis'));
      await say('是的', question('recurrent-or-metastatic'));
      await say('对', question('anti-pd1'));
      await say('用过卡瑞利珠单抗', question('anti-pd1-progressed'));
      await say('是', question('daily-activity'));
      await say('是', question('anti-vessel-medicine'));
      await say('没有', question('bleeding'));
      await say('没有', question('blood-pressure'));
      await say('没有', question('autoimmune'));
      await say('没有', question('pregnancy'));
      await say('没有', t('precheck:outcome.mayFit'));

      await say('联系研究团队', t('handoff:consent.question'));
      await say('同意', t('handoff:ask.name'));
      await say('王先生', t('handoff:ask.phone'));
      await say('13912345678', t('handoff:ask.email'));
      await say('跳过', t('handoff:ask.bestTime'));
      await say('上午', t('handoff:ask.language'));
      await say('普通话', t('handoff:ask.precheck'));
      await say('是', t('handoff:review.question'));
      const confirmation = (await say('发送', 'TG-')).join('\n');
      const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
      expect(reference, confirmation).toBeDefined();

      const listed = (await (await fetch(`${base}/api/referrals`, { headers: { Authorization: `Bearer ${coordinatorToken}` } })).json()) as {
        items: Array<{ id: string; reference: string; channel: string; locale: string; precheck?: { outcome: string } | null }>;
      };
      const referral = listed.items.find((item) => item.reference === reference);
      expect(referral).toMatchObject({ channel: 'directline', locale: 'zh-Hans' });
      expect(referral?.precheck?.outcome).toBe('may-fit');
      const detail = (await (await fetch(`${base}/api/referrals/${referral?.id ?? ''}`, { headers: { Authorization: `Bearer ${coordinatorToken}` } })).json()) as { contact: { phone: string; name: string } };
      expect(detail.contact).toMatchObject({ phone: '+8613912345678', name: '王先生' });
    } finally {
      subscription.unsubscribe();
      directLine.end();
    }
  }, 60_000);
});
