import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { namespaces, readLocaleResources } from '../../src/i18n/translator';

/**
 * Glossary and tone of the Chinese text (content/terms.json): the polite 您 throughout, one approved term per
 * concept in each Chinese locale, and none of the variants the table forbids (假药, 2期 in Mainland text,
 * 第一次用 for first-line, regional words in the neutral Traditional text).
 */
type ChineseLocale = 'zh-Hans' | 'zh-Hant';
const chineseLocales: readonly ChineseLocale[] = ['zh-Hans', 'zh-Hant'];

interface LocaleTerm {
  approved: string | null;
  forbidden: string[];
}

interface TermTable {
  address: { approved: string; forbidden: string[] };
  terms: ({ concept: string; en: string } & Record<ChineseLocale, LocaleTerm>)[];
  regional: Record<ChineseLocale, string[]>;
}

const table = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'terms.json'), 'utf8')) as TermTable;
const resources = readLocaleResources(projectRoot);

/** Lists that only recognise what people type: they may hold every variant, they are never shown. */
const typedInputKey = /(Synonyms|Words|SkipWords)$/;

interface ShownText {
  where: string;
  text: string;
}

/** Every string a person can see in one namespace: not translator notes ("$comment"), not typed-input lists. */
export function shownTexts(value: unknown, where: string, into: ShownText[] = []): ShownText[] {
  if (typeof value === 'string') into.push({ where, text: value });
  else if (Array.isArray(value)) value.forEach((item, index) => shownTexts(item, `${where}[${index}]`, into));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith('$') || typedInputKey.test(key)) continue;
      shownTexts(child, `${where}.${key}`, into);
    }
  }
  return into;
}

function textsOf(locale: ChineseLocale): ShownText[] {
  return namespaces.flatMap((namespace) => shownTexts(resources[locale][namespace], `${locale}/${namespace}`));
}

/** "where: …word…" for every shown text that contains one of the words. */
function occurrences(texts: readonly ShownText[], words: readonly string[]): string[] {
  return texts.flatMap(({ where, text }) => words.filter((word) => text.includes(word)).map((word) => `${where}: "${word}" in ${text.slice(0, 60)}`));
}

describe('Chinese glossary and tone', () => {
  it('finds forbidden words in shown text but not in notes or typed-input lists (the check can fail)', () => {
    const sample = { $comment: '你 假药', answer: { yesSynonyms: ['你好'] }, shown: '安慰剂不是假药。你好。' };
    expect(occurrences(shownTexts(sample, 'sample'), ['你', '假药'])).toEqual(['sample.shown: "你" in 安慰剂不是假药。你好。', 'sample.shown: "假药" in 安慰剂不是假药。你好。']);
  });

  it('the term table is consistent: both Chinese locales for every concept, no approved term forbidden', () => {
    expect.hasAssertions();
    const concepts = table.terms.map((term) => term.concept);
    expect(new Set(concepts).size).toBe(concepts.length);
    for (const term of table.terms) {
      for (const locale of chineseLocales) {
        const { approved, forbidden } = term[locale];
        expect(Array.isArray(forbidden), `${term.concept} ${locale}`).toBe(true);
        if (approved !== null) {
          expect(forbidden.filter((word) => approved.includes(word)), `${term.concept} ${locale}: approved "${approved}" contains a forbidden variant`).toEqual([]);
        }
      }
    }
  });

  it.each(chineseLocales)('%s addresses the reader as 您, never 你', (locale) => {
    const texts = textsOf(locale);
    expect(occurrences(texts, table.address.forbidden)).toEqual([]);
    expect(texts.some(({ text }) => text.includes(table.address.approved))).toBe(true);
  });

  it.each(chineseLocales)('%s uses one term per concept: the approved one appears, no forbidden variant does', (locale) => {
    expect.hasAssertions();
    const texts = textsOf(locale);
    for (const term of table.terms) {
      const { approved, forbidden } = term[locale];
      expect(occurrences(texts, forbidden), `${locale}: ${term.concept}`).toEqual([]);
      if (approved !== null) expect(texts.some(({ text }) => text.includes(approved)), `${locale}: "${approved}" (${term.concept}) is never used`).toBe(true);
    }
  });

  it.each(chineseLocales)('%s has no regional words and no brand names without a FACTS.md row', (locale) => {
    expect(occurrences(textsOf(locale), table.regional[locale])).toEqual([]);
  });

  it('the named corrections are in the table: 假药, 2期 (Mainland), 第一次用, regional words', () => {
    const forbidden = (locale: ChineseLocale) => table.terms.flatMap((term) => term[locale].forbidden);
    expect(forbidden('zh-Hans')).toEqual(expect.arrayContaining(['假药', '2期', '第一次用', '预筛查']));
    expect(forbidden('zh-Hant')).toEqual(expect.arrayContaining(['假藥', '第一次用', '電郵', '網絡', '網路', '病人', '初步篩查']));
    expect(table.regional['zh-Hant']).toEqual(expect.arrayContaining(['吉舒達', '保疾伏']));
  });
});
