import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount } from '../../src/console/console-accounts';
import { createFunnelRecorder } from '../../src/funnel/funnel-recorder';
import { supportedLocales } from '../../src/i18n/locales';
import { readLocaleResources } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { ConsoleClient, startConsoleServer } from '../console/support/console-client';
import { ManualClock, tempDataDir, testConfig } from '../handoff/support/fixtures';

const password = 'correct horse battery staple';
const resources = readLocaleResources(process.cwd());
let data: ReturnType<typeof tempDataDir>;
let stores: Stores;
let baseUrl: string;
let stop: () => Promise<void>;
const clock = new ManualClock(Date.parse('2026-12-01T10:00:00.000Z')); // 2026-W49

beforeAll(async () => {
  data = tempDataDir();
  const config = testConfig({ DATA_DIR: data.dir, PUBLIC_BASE_URL: 'http://127.0.0.1' });
  stores = await createStores(config, createLogger('silent'));
  await addAccount(stores.console, clock, 'alice', password, 'Alice Coordinator');
  const started = await startConsoleServer({ stores, config, logger: createLogger('silent'), clock });
  baseUrl = started.baseUrl;
  stop = () => started.stop();
  // What the bot's events leave behind, through the recorder the app uses.
  const recorder = createFunnelRecorder({ store: stores.funnel, clock, logger: createLogger('silent'), flushEveryMs: 60_000 });
  for (let index = 0; index < 3; index += 1) recorder.record({ type: 'conversationStarted' }, { locale: 'zh-Hant', channel: 'wechat' });
  recorder.record({ type: 'precheckStarted' }, { locale: 'en', channel: 'directline' });
  recorder.record({ type: 'questionAsked', outcome: 'unsure', text: '停車位喺邊？我電話 9123 4567' }, { locale: 'zh-Hant', channel: 'wechat' });
  await recorder.stop();
});

afterAll(async () => {
  await stop();
  await stores.close();
  data.remove();
});

describe('/console/funnel', () => {
  it('needs a signed-in coordinator', async () => {
    const response = await new ConsoleClient(baseUrl).get('/console/funnel');
    expect(response.status).toBe(303);
    expect(response.location).toMatch(/^\/console\/sign-in/);
  });

  it('shows the funnel inside the console layout, in the coordinator\'s language, with the filters applied', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const client = new ConsoleClient(baseUrl);
      expect((await client.signIn('alice', password)).status).toBe(303);
      expect((await client.get(`/console/language?lang=${locale}&back=%2Fconsole%2Ffunnel`)).status).toBe(303);
      const page = await client.get('/console/funnel');
      const funnel = resources[locale].funnel as { title: string; questions: { none: string } };
      expect(page.status, locale).toBe(200);
      expect(page.headers.get('content-security-policy'), locale).toContain("default-src 'none'");
      expect(page.body, locale).toContain(`<html lang="${locale}">`);
      expect(page.body, locale).toContain(`<h1>${funnel.title}</h1>`);
      expect(page.body, locale).toContain('aria-current="page"');
      expect(page.body, locale).toMatch(/<tr data-stage="conversation-started">.*<td data-total="conversation-started">3<\/td>/);
      expect(page.body, locale).toMatch(/<tr data-stage="precheck-started">.*<td data-total="precheck-started">1<\/td>/);
      expect(page.body, locale).toContain('<q lang="zh-Hant">停車位喺邊？我電話 [phone]</q>');
      expect(page.body, locale).not.toContain('9123');

      const filtered = await client.get('/console/funnel?lang=en&channel=directline&from=2026-W48&to=2026-W49');
      expect(filtered.body, locale).toMatch(/<td data-total="conversation-started">0<\/td>/);
      expect(filtered.body, locale).toMatch(/<td data-total="precheck-started">1<\/td>/);
      expect(filtered.body, locale).toContain('<th scope="col">2026-W48</th><th scope="col">2026-W49</th>');
      expect(filtered.body, locale).toContain(funnel.questions.none);
    }
  });
});
