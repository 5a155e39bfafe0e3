import { describe, expect, it } from 'vitest';
import { guessLocaleFromText, negotiateLocale } from '../../src/i18n/locales';

describe('locale negotiation from activity.locale', () => {
  const table: Array<[string | undefined, string | undefined]> = [
    ['zh-CN', 'zh-Hans'],
    ['zh-SG', 'zh-Hans'],
    ['zh-Hans-CN', 'zh-Hans'],
    ['zh', 'zh-Hans'],
    ['zh_CN', 'zh-Hans'],
    ['zh-TW', 'zh-Hant'],
    ['zh-HK', 'zh-Hant'],
    ['zh-MO', 'zh-Hant'],
    ['zh-Hant', 'zh-Hant'],
    ['zh-Hant-HK', 'zh-Hant'],
    ['yue-HK', 'zh-Hant'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['EN', 'en'],
    ['fr-FR', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  it.each(table)('%s -> %s', (tag, expected) => {
    expect(negotiateLocale(tag)).toBe(expected);
  });
});

describe('language of a typed message', () => {
  it.each([
    ['我爸爸一直在吐血', 'zh-Hans'],
    ['我爸爸一直在咳血，止不住', 'zh-Hans'],
    ['請問這個研究有甚麼副作用？', 'zh-Hant'],
    ['佢點樣參加研究？醫生話要檢查', 'zh-Hant'],
    ['佢暈咗', 'zh-Hant'],
    ['what are the side effects', 'en'],
    ['123', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(guessLocaleFromText(text)).toBe(expected);
  });
});
