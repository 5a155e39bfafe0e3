import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteConfigSchema } from '../../src/config/site-schema';
import { type Locale, supportedLocales } from '../../src/i18n/locales';

/**
 * The "About the study" answers are ethics-reviewed text: every topic of the tree must exist in every
 * language, be short enough to read on a phone, and follow FACTS.md's rules for the kind of statement it is.
 */
const root = path.join(__dirname, '..', '..');

interface TopicNode {
  id: string;
  kind: 'confirmed' | 'background' | 'other-studies' | 'unknown';
}

interface TopicText {
  title?: unknown;
  answer?: unknown;
  more?: unknown;
}

const MAX_ENGLISH_WORDS = 80;
const MAX_CHINESE_HAN = 150;
const MAX_ENGLISH_TITLE_CHARS = 28;
// "About 8 characters" for a phone button; one medicine name plus 副作用 needs 9.
const MAX_CHINESE_TITLE_CHARS = 9;
/** Key in topics.json that is not a topic: the words the app puts into {{status}}. */
const REGISTRY_STATUS_KEY = 'registryStatus';

const topics = (JSON.parse(readFileSync(path.join(root, 'content', 'topics.json'), 'utf8')) as { topics: TopicNode[] })
  .topics;
const topicIds = topics.map((topic) => topic.id);
const registryStatuses = siteConfigSchema.shape.registry.shape.status.options;

function readTopics(locale: Locale): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(root, 'locales', locale, 'topics.json'), 'utf8')) as Record<string, unknown>;
}

const texts = Object.fromEntries(supportedLocales.map((locale) => [locale, readTopics(locale)])) as Record<
  Locale,
  Record<string, unknown>
>;

function topicText(locale: Locale, id: string): TopicText {
  return (texts[locale][id] ?? {});
}

/** Every string in a namespace, keyed by its dotted path. */
function flatten(value: unknown, prefix: string, into: Map<string, string>): Map<string, string> {
  if (typeof value === 'string') {
    into.set(prefix, value);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  }
  return into;
}

function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((match) => match[1] ?? ''))].sort();
}

function englishWords(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

function hanCharacters(text: string): number {
  return (text.match(/\p{Script=Han}/gu) ?? []).length;
}

/** Longer body texts of every topic in a locale: the answer, and "tell me more" where there is one. */
function bodies(locale: Locale): { where: string; text: string }[] {
  return topicIds.flatMap((id) => {
    const { answer, more } = topicText(locale, id);
    return [
      { where: `${locale} ${id}.answer`, text: `${answer as string}` },
      ...(more === undefined ? [] : [{ where: `${locale} ${id}.more`, text: `${more as string}` }]),
    ];
  });
}

// Characters written only one way in each script: a zh-Hant text with a Simplified form was converted badly.
const simplifiedOnly = /[这个们说为会时后来对学发动过还么处体单与应医疗药师问题现开关长点见经请让谢将种无产头电话号码讯险响续担验检测肿状觉吗岁试参护帮临剂脏车联资费补签组织转杂线结细压论随访级热记录网报显]/u;
const traditionalOnly = /[這個們說為會時後來對學發動過還麼處體裡單與應醫療藥師問題現開關長點見經請讓謝將種無產頭電話號碼訊險響續擔驗檢測腫狀覺嗎歲試參護幫臨劑臟車聯資費補簽組織轉雜線結細壓論隨訪級熱記錄網報顯]/u;

describe('topic texts', () => {
  it.each(supportedLocales)('%s has a title and an answer for every topic id, and no unknown ids', (locale) => {
    expect.hasAssertions();
    for (const id of topicIds) {
      const { title, answer, more } = topicText(locale, id);
      expect(typeof title === 'string' && title.trim().length > 0, `${locale} ${id}.title`).toBe(true);
      expect(typeof answer === 'string' && answer.trim().length > 0, `${locale} ${id}.answer`).toBe(true);
      if (more !== undefined) expect(typeof more === 'string' && more.trim().length > 0, `${locale} ${id}.more`).toBe(true);
    }
    const extra = Object.keys(texts[locale]).filter((key) => key !== REGISTRY_STATUS_KEY && !topicIds.includes(key));
    expect(extra, `${locale}: ids in topics.json that are not in content/topics.json`).toEqual([]);
  });

  it('has the same keys and the same placeholders in every locale', () => {
    expect.hasAssertions();
    const english = flatten(texts.en, '', new Map());
    for (const locale of supportedLocales) {
      const other = flatten(texts[locale], '', new Map());
      expect([...other.keys()].sort(), `${locale} keys`).toEqual([...english.keys()].sort());
      for (const [key, text] of english) {
        expect(placeholders(other.get(key) ?? ''), `${locale} ${key} placeholders`).toEqual(placeholders(text));
      }
    }
  });

  it.each(supportedLocales)('%s names every registry status the site configuration allows', (locale) => {
    const statusWords = texts[locale][REGISTRY_STATUS_KEY] as Record<string, unknown> | undefined;
    expect(Object.keys(statusWords ?? {}).sort()).toEqual([...registryStatuses].sort());
    for (const status of registryStatuses) expect(String(statusWords?.[status]).trim()).not.toBe('');
  });

  it.each(supportedLocales)('%s shows the registry status with its date and defers to the study team', (locale) => {
    const { answer } = topicText(locale, 'registry-status');
    expect(placeholders(String(answer))).toEqual(['checkedOn', 'status']);
    const studyTeam = { en: /study team/i, 'zh-Hans': /研究团队/, 'zh-Hant': /研究團隊/ }[locale];
    expect(String(answer)).toMatch(studyTeam);
  });

  it('keeps English answers within 80 words and titles short', () => {
    expect.hasAssertions();
    for (const { where, text } of bodies('en')) {
      expect(englishWords(text), `${where} word count`).toBeLessThanOrEqual(MAX_ENGLISH_WORDS);
    }
    for (const id of topicIds) {
      const title = String(topicText('en', id).title);
      expect(title.length, `en ${id}.title "${title}"`).toBeLessThanOrEqual(MAX_ENGLISH_TITLE_CHARS);
    }
  });

  it.each(['zh-Hans', 'zh-Hant'] as const)('keeps %s answers within 150 Han characters and titles short', (locale) => {
    expect.hasAssertions();
    for (const { where, text } of bodies(locale)) {
      expect(hanCharacters(text), `${where} Han characters`).toBeLessThanOrEqual(MAX_CHINESE_HAN);
    }
    for (const id of topicIds) {
      const title = String(topicText(locale, id).title);
      expect(title.length, `${locale} ${id}.title "${title}"`).toBeLessThanOrEqual(MAX_CHINESE_TITLE_CHARS);
    }
  });

  it('writes each Chinese locale in its own script', () => {
    expect.hasAssertions();
    for (const [key, text] of flatten(texts['zh-Hans'], '', new Map())) {
      expect(text, `zh-Hans ${key} has a Traditional-only character`).not.toMatch(traditionalOnly);
    }
    for (const [key, text] of flatten(texts['zh-Hant'], '', new Map())) {
      expect(text, `zh-Hant ${key} has a Simplified-only character`).not.toMatch(simplifiedOnly);
    }
  });

  it('labels results of other studies as such in every locale', () => {
    expect.hasAssertions();
    const otherStudies = { en: /(other|earlier|another) stud/i, 'zh-Hans': /其他研究|之前.*研究/, 'zh-Hant': /其他研究|先前.*研究/ };
    for (const topic of topics.filter((candidate) => candidate.kind === 'other-studies')) {
      for (const locale of supportedLocales) {
        expect(String(topicText(locale, topic.id).answer), `${locale} ${topic.id}`).toMatch(otherStudies[locale]);
      }
    }
  });

  it('answers unknown topics by pointing to the study team and offering contact', () => {
    expect.hasAssertions();
    const defers = {
      en: [/study team will explain/i, /contact you/i],
      'zh-Hans': [/研究团队会向您说明/, /联系您/],
      'zh-Hant': [/研究團隊會向您說明/, /與您聯絡/],
    };
    for (const topic of topics.filter((candidate) => candidate.kind === 'unknown')) {
      for (const locale of supportedLocales) {
        for (const pattern of defers[locale]) {
          expect(String(topicText(locale, topic.id).answer), `${locale} ${topic.id}`).toMatch(pattern);
        }
      }
    }
  });

  it('never tells anyone they are eligible', () => {
    expect.hasAssertions();
    const eligible = { en: /\beligib/i, 'zh-Hans': /符合(条件|资格|入组)/, 'zh-Hant': /符合(條件|資格)/ };
    for (const locale of supportedLocales) {
      for (const [key, text] of flatten(texts[locale], '', new Map())) {
        expect(text, `${locale} ${key}`).not.toMatch(eligible[locale]);
      }
    }
  });
});
