import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DialogServices } from '../../dialogs/dialog-services';
import { defaultRetentionForTexts, siteTextParams } from '../../dialogs/topics/topic-params';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
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
  sources: string[];
  children?: string[];
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

  it('every text about bleeding, blood pressure or side effects says what to do if it is happening now, with the site number', () => {
    expect.hasAssertions();
    const mentions = { en: /bleed|blood pressure|side effect/i, 'zh-Hans': /出血|血压|副作用/, 'zh-Hant': /出血|血壓|副作用/ };
    const nowWords = { en: /happening now|now, call/, 'zh-Hans': /现在正/, 'zh-Hant': /現在正/ };
    for (const locale of supportedLocales) {
      for (const id of topicIds) {
        const { answer, more } = topicText(locale, id);
        for (const [part, text] of [['answer', answer], ['more', more]] as const) {
          if (typeof text !== 'string' || !mentions[locale].test(text)) continue;
          // "Tell me more" is only shown after its answer: the number may be in either.
          const withNumber = text.includes('{{emergencyNumber}}') ? text : String(answer);
          expect(withNumber, `${locale} ${id}.${part}`).toContain('{{emergencyNumber}}');
          expect(withNumber, `${locale} ${id}.${part}`).toMatch(nowWords[locale]);
        }
      }
    }
    // The check is not vacuous: the bleeding topic is one of them in every language.
    for (const locale of supportedLocales) expect(String(topicText(locale, 'bleeding-risk').answer)).toContain('{{emergencyNumber}}');
  });

  it('says first-line as the first treatment after the cancer came back or spread, never "their first treatment"', () => {
    expect.hasAssertions();
    const firstLine = { en: /first treatment (given )?after (that|it came back or spread)|first treatment they had after that/, 'zh-Hans': /复发或转移后的第一种治疗（一线治疗）/, 'zh-Hant': /復發或轉移後的第一種治療（第一線治療）/ };
    const wrong = { en: /\b(your|their|a) first treatment\b|first treatment with a PD-1/i, 'zh-Hans': /第一次用/, 'zh-Hant': /第一次用/ };
    for (const locale of supportedLocales) {
      for (const id of ['about', 'what-it-tests', 'who-can-join']) expect(String(topicText(locale, id).answer), `${locale} ${id}`).toMatch(firstLine[locale]);
      for (const [key, text] of flatten(texts[locale], '', new Map())) expect(text, `${locale} ${key}`).not.toMatch(wrong[locale]);
    }
  });

  it('gives serious side effects in earlier studies as "about 6 in 10", not "59 of 100"', () => {
    const sixInTen = { en: /about 6 in 10/, 'zh-Hans': /约每10人中有6人/, 'zh-Hant': /約每10人中有6人/ };
    for (const locale of supportedLocales) {
      const more = String(topicText(locale, 'side-effects').more);
      expect(more, locale).toMatch(sixInTen[locale]);
      expect(more, locale).not.toMatch(/59/);
    }
  });

  it('frames the NCCN sentence as the reason when the study was planned', () => {
    const planned = { en: /When the study was planned, the NCCN/, 'zh-Hans': /本研究设计时，NCCN/, 'zh-Hant': /這項研究設計時，NCCN/ };
    for (const locale of supportedLocales) expect(String(topicText(locale, 'why-combine').more), locale).toMatch(planned[locale]);
  });

  it('words what FACTS.md only calls likely (blood tests, a scan) as likely, with the likely source (R2) tagged', () => {
    expect.hasAssertions();
    const bloodTests = { en: /blood tests/i, 'zh-Hans': /验血|血液检查/, 'zh-Hant': /驗血|血液檢查/ };
    const likely = { en: /likely/, 'zh-Hans': /很可能/, 'zh-Hant': /很可能/ };
    for (const topic of topics) {
      for (const locale of supportedLocales) {
        const { answer, more } = topicText(locale, topic.id);
        for (const text of [answer, more]) {
          if (typeof text !== 'string' || !bloodTests[locale].test(text)) continue;
          expect(text, `${locale} ${topic.id}`).toMatch(likely[locale]);
          expect(topic.sources, `${topic.id} sources`).toContain('R2');
        }
      }
    }
  });

  it('does not define RECIST (FACTS.md has no row for it): the study team explains it', () => {
    const recist = topics.find((topic) => topic.id === 'term-recist');
    expect(recist?.kind).toBe('unknown');
    expect(recist?.sources).toEqual([]);
    const definition = { en: /measure|shrank|scan/i, 'zh-Hans': /测量|缩小|影像/, 'zh-Hant': /測量|縮小|影像/ };
    for (const locale of supportedLocales) expect(String(topicText(locale, 'term-recist').answer), locale).not.toMatch(definition[locale]);
  });

  it('explains placebo without 假药, and Mainland text writes II期', () => {
    for (const locale of ['zh-Hans', 'zh-Hant'] as const) {
      for (const [key, text] of flatten(texts[locale], '', new Map())) expect(text, `${locale} ${key}`).not.toMatch(/假药|假藥/);
    }
    expect(String(topicText('zh-Hans', 'taking-part').answer)).toContain('安慰剂是不含有效成分的“模拟药”');
    expect(String(topicText('zh-Hant', 'taking-part').answer)).toContain('安慰劑是不含有效成分的「模擬藥」');
    for (const [key, text] of flatten(texts['zh-Hans'], '', new Map())) expect(text, `zh-Hans ${key}`).not.toMatch(/(?<!I)2期/);
    expect(String(topicText('zh-Hans', 'what-it-tests').answer)).toContain('II期');
  });

  it('the privacy topic names who "we" is and how long each kind of data is kept, from the site file and configuration', () => {
    for (const locale of supportedLocales) {
      const { answer, more } = topicText(locale, 'privacy');
      expect(placeholders(String(answer)), locale).toEqual(expect.arrayContaining(['chatStateDays', 'siteName']));
      expect(placeholders(String(more)), locale).toEqual(expect.arrayContaining(['coordinatorPhone', 'referralDays']));
    }
  });

  it('states the same retention the configuration uses by default', () => {
    const { env } = loadConfig({});
    expect(defaultRetentionForTexts).toEqual({ chatStateDays: env.CHAT_STATE_RETENTION_DAYS, referralDays: env.REFERRAL_RETENTION_DAYS });
  });

  it('puts the configured retention, the site name and the emergency number into the texts when the services carry them', () => {
    const { site } = loadConfig({});
    const services = { i18n: createTranslator(projectRoot), site } as unknown as DialogServices;
    expect(siteTextParams(services, 'zh-Hant')).toMatchObject({ chatStateDays: 30, referralDays: 180, siteName: site.siteName['zh-Hant'], emergencyNumber: '120', checkedOn: '2026年11月1日' });
    expect(siteTextParams({ ...services, retention: { chatStateDays: 7, referralDays: 90 } }, 'en')).toMatchObject({ chatStateDays: 7, referralDays: 90, checkedOn: '1 November 2026' });
  });
});
