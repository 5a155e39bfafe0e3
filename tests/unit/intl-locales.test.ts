import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { isTimeZone, siteConfigSchema } from '../../src/config/site-schema';
import { formatDate, intlLocaleOf, supportedLocales } from '../../src/i18n/locales';

const exampleSite = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'site.example.json'), 'utf8')) as Record<string, unknown>;

describe('one Intl locale mapping (src/i18n/locales.ts)', () => {
  it('maps each shipped locale to one Intl locale: British English, mainland Simplified, Hong Kong Traditional', () => {
    expect(Object.fromEntries(supportedLocales.map((locale) => [locale, intlLocaleOf(locale)]))).toEqual({ en: 'en-GB', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-HK' });
    expect.hasAssertions();
    for (const locale of supportedLocales) expect(Intl.DateTimeFormat.supportedLocalesOf([intlLocaleOf(locale)]), locale).toEqual([intlLocaleOf(locale)]);
  });

  it('formats a date on the site\'s calendar: 20:00 UTC on 30 November is 1 December in Shanghai, still 30 November in London', () => {
    const lateEvening = new Date('2026-11-30T20:00:00Z');
    expect(supportedLocales.map((locale) => formatDate(lateEvening, locale, 'Asia/Shanghai'))).toEqual(['1 December 2026', '2026年12月1日', '2026年12月1日']);
    expect(supportedLocales.map((locale) => formatDate(lateEvening, locale, 'Europe/London'))).toEqual(['30 November 2026', '2026年11月30日', '2026年11月30日']);
  });
});

describe('the site file\'s time zone (src/config/site-schema.ts)', () => {
  it('defaults to Asia/Shanghai when the site file names none', () => {
    const { timeZone: _none, ...withoutZone } = exampleSite;
    expect(siteConfigSchema.parse(withoutZone).timeZone).toBe('Asia/Shanghai');
  });

  it('takes IANA names and UTC, and refuses anything Intl does not know', () => {
    expect.hasAssertions();
    for (const zone of ['Asia/Hong_Kong', 'Asia/Macau', 'Asia/Taipei', 'Europe/London', 'UTC']) {
      expect(siteConfigSchema.parse({ ...exampleSite, timeZone: zone }).timeZone, zone).toBe(zone);
    }
    for (const zone of ['Nowhere/Atlantis', 'GMT+25', '', 'Beijing']) {
      expect(isTimeZone(zone), zone).toBe(false);
      const parsed = siteConfigSchema.safeParse({ ...exampleSite, timeZone: zone });
      expect(parsed.success, zone).toBe(false);
      expect(parsed.error?.issues[0]?.path, zone).toEqual(['timeZone']);
    }
  });
});
