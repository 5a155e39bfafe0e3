import { type CountryCode, type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Locale } from '../../src/i18n/locales';

/**
 * Regions tried, in order, for a number typed without a country code. The site is in mainland China, so
 * English defaults to CN; Traditional Chinese readers are mostly in Hong Kong, then Taiwan. The full
 * ("max") metadata validates number ranges, not just lengths, so a number is valid in at most one of these.
 */
const regionsByLocale: Record<Locale, readonly CountryCode[]> = {
  en: ['CN', 'HK', 'TW'],
  'zh-Hans': ['CN', 'HK', 'TW'],
  'zh-Hant': ['HK', 'TW', 'CN'],
};

/** Numbers a person can be called back on; toll-free, premium-rate and shared lines are not. */
const callableTypes: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER', 'VOIP']);

/**
 * A callback number as E.164 ("+8613812345678"), or undefined when the text is not a valid number.
 * Accepts full-width digits, spaces, dashes, brackets, words around the number ("我的电话是 ..."), a leading
 * "+" or "00", and a country code typed without "+" ("86 138 ...").
 */
export function parseContactPhone(text: string, locale: Locale): string | undefined {
  const normalised = text.normalize('NFKC').trim();
  // Everything from the first digit or "+" to the last digit: words may surround the number, not split it
  // ("call me at 9123 4567 after 6pm" must not become one number).
  const span = /[+\d][\d\s().\-\/+]*\d/.exec(normalised)?.[0];
  if (!span || /\d/.test(normalised.slice(normalised.indexOf(span) + span.length))) return undefined;
  const digits = span.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 17) return undefined;
  const international = span.startsWith('+') || digits.startsWith('00');
  const candidate = international ? `+${digits.replace(/^00/, '')}` : digits;
  for (const region of regionsByLocale[locale]) {
    const number = parsePhoneNumberFromString(candidate, region);
    if (!number?.isValid()) continue;
    const type = number.getType();
    return type && callableTypes.has(type) ? number.number : undefined;
  }
  return undefined;
}

/** E.164 shown back to the person in international form ("+86 138 1234 5678"). */
export function formatContactPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
