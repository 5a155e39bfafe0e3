/** The three languages TrialGuide ships. Every user-facing string exists in each (tests/unit/locale-parity). */
export const supportedLocales = ['en', 'zh-Hans', 'zh-Hant'] as const;
export type Locale = (typeof supportedLocales)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (supportedLocales as readonly string[]).includes(value);
}

/**
 * The one mapping from a shipped locale to the Intl locale its dates and numbers are formatted with (never a
 * per-file table). Traditional Chinese formats as Hong Kong: the region of the zh-Hant-HK wording overrides, and
 * for what TrialGuide shows (long dates, grouped numbers) zh-HK and zh-TW write the same. English is British
 * (day before month), which readers in Hong Kong and mainland China expect, never US month-first dates.
 */
export const intlLocales: Readonly<Record<Locale, string>> = Object.freeze({ en: 'en-GB', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-HK' });

export function intlLocaleOf(locale: Locale): string {
  return intlLocales[locale];
}

/**
 * The one tag a channel stamps for a shipped locale: Web Chat's `locale` prop (it localises its own UI from it)
 * and the activity.locale of WeChat messages. negotiateLocale maps each back to the same shipped locale.
 */
export const channelLocaleTags: Readonly<Record<Locale, string>> = Object.freeze({ en: 'en-US', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW' });

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A calendar date ("1 December 2026", "2026年12月1日") of `instant` on the site's calendar: `timeZone` is the site
 * file's `timeZone`, so the date is the one the study team's calendar shows. Formatters are kept (they are costly to build).
 */
export function formatDate(instant: Date, locale: Locale, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocaleOf(locale), { dateStyle: 'long', timeZone });
    dateFormats.set(key, format);
  }
  return format.format(instant);
}

/**
 * Maps a BCP-47 tag from a channel (activity.locale, navigator.language) to a shipped locale.
 * zh-CN / zh-SG / zh-Hans-* -> Simplified; zh-TW / zh-HK / zh-MO / zh-Hant-* -> Traditional; en-* -> English.
 * A bare "zh" is Simplified (mainland default). Anything else: undefined, and the bot asks.
 * The one mapping: the chat button script for hospital pages (public/embed.js) runs this very function, sent
 * as its source text (so it must stay self-contained: no imports, no helpers, no named inner functions).
 */
export function negotiateLocale(tag: string | undefined | null): Locale | undefined {
  if (!tag) return undefined;
  const parts = tag.trim().replace(/_/g, '-').toLowerCase().split('-');
  const [language, ...rest] = parts;
  if (language === 'en') return 'en';
  if (language === 'zh' || language === 'yue' || language === 'cmn') {
    if (rest.includes('hant') || rest.some((part) => ['tw', 'hk', 'mo'].includes(part))) return 'zh-Hant';
    if (language === 'yue') return 'zh-Hant';
    return 'zh-Hans';
  }
  return undefined;
}

/**
 * Characters that exist only in Traditional (their Simplified forms differ), plus written-Cantonese particles
 * (佢 咗 嘅 唔 冇 喺 嚟 哋 啲 嘢), which mark Hong Kong writers. Enough to tell the scripts apart in a sentence.
 */
const traditionalOnly = /[佢咗嘅唔冇喺嚟哋啲嘢暈們個這說為會時後來對學國發動過還麼處體裡單與應醫療藥師問題現開關長點見經請讓謝將種無產頭電話號碼資訊險響續擔應驗檢測腫瘤癥狀覺嗎呢歲試參護幫臨驗癒]/u;
const simplifiedOnly = /[们个这说为会时后来对学国发动过还么处体里单与应医疗药师问题现开关长点见经请让谢将种无产头电话号码资讯险响续担验检测肿瘤症状觉吗岁试参护帮临验愈]/u;
const han = /\p{Script=Han}/u;

/** The language a message is written in, when the text itself tells: used where no stored preference is available. */
export function guessLocaleFromText(text: string): Locale | undefined {
  if (!han.test(text)) return /[a-z]{2,}/i.test(text) ? 'en' : undefined;
  const traditional = (text.match(new RegExp(traditionalOnly, 'gu')) ?? []).length;
  const simplified = (text.match(new RegExp(simplifiedOnly, 'gu')) ?? []).length;
  return traditional > simplified ? 'zh-Hant' : 'zh-Hans';
}
