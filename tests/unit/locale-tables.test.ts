import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCheckedOn } from '../../dialogs/topics/topic-params';
import { projectRoot } from '../../src/config/load-config';
import { channelLocaleTags, formatDate, intlLocaleOf, negotiateLocale, supportedLocales } from '../../src/i18n/locales';

function typeScriptFiles(folder: string): string[] {
  return readdirSync(path.join(projectRoot, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return typeScriptFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** A shipped locale mapped to a tag in place: `'zh-Hant': 'zh-TW'` or `locale === 'zh-Hans' ? 'zh-CN' : …`. */
const ownTable = /(?:['"]?zh-Han[st]['"]?\s*:\s*['"](?:zh|en)-[A-Z]{2}['"])|(?:===\s*['"](?:en|zh-Han[st])['"]\s*\?\s*['"](?:zh|en)-[A-Z]{2}['"])/u;

describe('one locale mapping for Intl and one for channels (src/i18n/locales.ts)', () => {
  it('no other module of src/ or dialogs/ keeps its own table from a shipped locale to a tag', () => {
    const files = [...typeScriptFiles('src'), ...typeScriptFiles('dialogs')].filter((file) => file !== 'src/i18n/locales.ts');
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((file) => ownTable.test(readFileSync(path.join(projectRoot, file), 'utf8')));
    expect(offenders).toEqual([]);
    // The pattern finds both forms the review found (a dialog's ternary, a channel's object).
    expect(ownTable.test("locale === 'zh-Hans' ? 'zh-CN' : 'zh-TW'")).toBe(true);
    expect(ownTable.test("{ 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en-US' }")).toBe(true);
  });

  it('the tag a channel stamps for each locale (Web Chat, WeChat) reads back as that locale', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) expect(negotiateLocale(channelLocaleTags[locale]), locale).toBe(locale);
  });

  it('the registry date is written as the locale writes dates, by the one Intl mapping, on the calendar day given', () => {
    expect(formatCheckedOn('2026-11-01', 'en')).toBe('1 November 2026');
    expect(formatCheckedOn('2026-11-01', 'zh-Hans')).toBe('2026年11月1日');
    expect(formatCheckedOn('2026-11-01', 'zh-Hant')).toBe('2026年11月1日');
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      expect(formatCheckedOn('2026-12-31', locale)).toBe(new Intl.DateTimeFormat(intlLocaleOf(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(Date.UTC(2026, 11, 31)));
      expect(formatCheckedOn('2026-12-31', locale)).toBe(formatDate(new Date('2026-12-31T00:00:00Z'), locale, 'UTC'));
    }
  });
});
