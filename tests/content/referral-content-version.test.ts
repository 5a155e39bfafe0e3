import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { buildContentExport } from '../../src/content/export/build-export';
import { allText, type Conversation, startConversation } from '../support/conversation-harness';

/** One person per language, through the hand-off with typed answers (as in tests/dialogs/handoff-transcripts). */
const scripts = [
  { channelLocale: 'en-US', locale: 'en', answers: ['I am the patient', 'talk to a person', 'yes', 'Ms Chen', '138 1234 5678', 'skip', 'after 6 pm', 'Mandarin'], send: 'yes' },
  { channelLocale: 'zh-CN', locale: 'zh-Hans', answers: ['我是患者', '转人工', '同意', '陈女士', '我的电话是13812345678', '跳过', '周末下午', '国语'], send: '对' },
  { channelLocale: 'zh-HK', locale: 'zh-Hant', answers: ['我是家人', '轉人工', '係', '黃先生', '9123 4567', '略過', '放工後', '粵語'], send: '正確' },
] as const;

const referencePattern = /TG-[2-9A-HJKMNP-Z]{5}/;
const apiToken = 'ethics-review-test-token-0123456789';

/** The content version the ethics export states, read from the documents themselves. */
function exportedVersions(): { html: string | undefined; markdown: string | undefined } {
  const config = loadConfig({});
  const built = buildContentExport({
    rootDir: projectRoot,
    site: config.site,
    sitePath: config.env.SITE_CONFIG_PATH,
    retention: { chatStateDays: config.env.CHAT_STATE_RETENTION_DAYS, referralDays: config.env.REFERRAL_RETENTION_DAYS },
    now: new Date('2026-12-01T09:00:00Z'),
  });
  return {
    html: /<dt>Content version<\/dt><dd>([0-9a-f]{12}) /.exec(built.html)?.[1],
    markdown: /\*\*Content version:\*\* ([0-9a-f]{12}) /.exec(built.markdown)?.[1],
  };
}

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.app.stop();
  await chat?.close();
  chat = undefined;
});

describe.each(scripts)('a referral made in a real conversation ($locale) carries the content version the person saw', (script) => {
  it('stored with the referral, equal to the version the ethics export states, and returned by the coordinator API', async () => {
    chat = await startConversation({ locale: script.channelLocale, env: { COORDINATOR_API_TOKENS: `ethics:${apiToken}` } });
    for (const answer of script.answers) await chat.say(answer);
    const confirmation = allText(await chat.say(script.send));
    const reference = referencePattern.exec(confirmation)?.[0];
    expect(reference, confirmation).toBeDefined();

    const summary = await chat.stores.referrals.getByReference(reference ?? '');
    expect(summary?.locale).toBe(script.locale);
    expect(summary?.contentVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(summary?.contentVersion).toBe(chat.app.contentVersion);
    const full = await chat.stores.referrals.get(summary?.id ?? '');
    expect(full?.contentVersion).toBe(summary?.contentVersion);
    const listed = await chat.stores.referrals.list({ limit: 10 });
    expect(listed.items.map((item) => item.contentVersion)).toEqual([summary?.contentVersion]);

    const exported = exportedVersions();
    expect(exported.html).toBe(summary?.contentVersion);
    expect(exported.markdown).toBe(summary?.contentVersion);

    const port = await chat.app.start(0);
    const response = await fetch(`http://127.0.0.1:${port}/api/referrals/${summary?.id ?? ''}`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { contentVersion: unknown }).contentVersion).toBe(summary?.contentVersion);
  }, 120_000);
});
