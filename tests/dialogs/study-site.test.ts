import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, startConversation } from '../support/conversation-harness';

/**
 * "Where is the study done?" asked on the hospital's own page: when the site file says this hospital takes
 * part (studySite), the answer says so with the hospital's name; otherwise it says the sites are not known.
 */
const i18n = createTranslator(projectRoot);
const example = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'site.example.json'), 'utf8')) as Record<string, unknown> & { siteName: Record<Locale, string> };
const folders: string[] = [];

function siteFile(studySite: boolean): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'trialguide-site-'));
  folders.push(folder);
  const file = path.join(folder, 'site.json');
  writeFileSync(file, JSON.stringify({ ...example, studySite }));
  return file;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const askedWhere: Record<Locale, { channelLocale: string; question: string }> = {
  en: { channelLocale: 'en-US', question: 'which hospital is the study done at?' },
  'zh-Hans': { channelLocale: 'zh-CN', question: '这个研究在哪家医院做？' },
  'zh-Hant': { channelLocale: 'zh-TW', question: '這個研究在哪間醫院做？' },
};

/** The topic's title, a blank line, then its answer: the whole of what the bot said. */
const texts = (replies: BotReply[]) => replies.map((reply) => reply.text).join('\n');

for (const [locale, { channelLocale, question }] of Object.entries(askedWhere) as Array<[Locale, (typeof askedWhere)[Locale]]>) {
  const t = i18n.getFixedT(locale);
  describe(`where the study is done (${locale})`, () => {
    it('a study site: the answer names this hospital as one of the sites taking part', async () => {
      const chat = await startConversation({ locale: channelLocale, env: { SITE_CONFIG_PATH: siteFile(true) } });
      try {
        const replies = texts(await chat.say(question));
        expect(replies).toContain(`${t('topics:locations.title')}\n\n${t('topics:locations.answer_studySite', { siteName: example.siteName[locale] })}`);
        expect(replies).not.toContain(t('topics:locations.answer'));
      } finally {
        await chat.close();
      }
    });

    it('not a study site (the default): the answer says the sites are not known', async () => {
      const chat = await startConversation({ locale: channelLocale, env: { SITE_CONFIG_PATH: siteFile(false) } });
      try {
        const replies = texts(await chat.say(question));
        expect(replies).toContain(`${t('topics:locations.title')}\n\n${t('topics:locations.answer')}`);
        expect(replies).not.toContain(example.siteName[locale]);
      } finally {
        await chat.close();
      }
    });
  });
}
