import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js/max';

/**
 * An unanswered question is kept so the team can improve the content, never the person who typed it: phone
 * numbers and email addresses are replaced before it is stored. Three nets, widest last:
 * 1. libphonenumber-js finds international numbers and the local forms of the study's regions (mainland
 *    China, Hong Kong, Taiwan), with their usual spacing, dashes and brackets;
 * 2. any run of 7 or more digits (ASCII or full-width, spaces, dashes, dots and brackets between them), which
 *    also catches partial or foreign numbers, ID card numbers and dates (a date is not needed to improve
 *    content); only the study's registry number (NCT + 8 digits) is kept;
 * 3. a run of 7 or more Chinese numerals (一三八…), as people sometimes type numbers that way.
 */
export const phonePlaceholder = '[phone]';
export const emailPlaceholder = '[email]';
/** Longest text kept, in characters (code points), after redaction. */
export const maxQuestionLength = 300;
/** Longer messages are cut before they are scanned: the scan stays cheap whatever a channel lets through. */
const maxScannedLength = 4000;

const regions: readonly (CountryCode | undefined)[] = [undefined, 'CN', 'HK', 'TW'];
const emailPattern = /[^\s@＠<>()（）"',;:，；：]+[@＠][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)+/gu;
const digitRunPattern = /[(（]?[+＋]?[(（]?[0-9０-９](?:[\s\-‐–—.．()（）]*[0-9０-９]){6,}/gu;
const chineseNumeralRunPattern = /[〇零一二三四五六七八九幺两](?:[\s\-]*[〇零一二三四五六七八九幺两]){6,}/gu;
const registryNumberBefore = /NCT\s*$/i;

export function redactQuestionText(text: string): string {
  let result = Array.from(text).slice(0, maxScannedLength).join('');
  result = result.replace(emailPattern, emailPlaceholder);
  result = result.replace(digitRunPattern, (match, offset: number, whole: string) =>
    registryNumberBefore.test(whole.slice(Math.max(0, offset - 4), offset)) && /^\d{8}$/.test(match) ? match : phonePlaceholder,
  );
  for (const region of regions) result = replacePhoneNumbers(result, region);
  result = result.replace(chineseNumeralRunPattern, phonePlaceholder);
  result = result.replace(/\s+/gu, ' ').trim();
  const characters = Array.from(result);
  return characters.length > maxQuestionLength ? `${characters.slice(0, maxQuestionLength - 1).join('')}…` : result;
}

function replacePhoneNumbers(text: string, region: CountryCode | undefined): string {
  const found = region ? findPhoneNumbersInText(text, region) : findPhoneNumbersInText(text);
  let result = text;
  // From the end, so earlier offsets stay valid.
  for (const match of [...found].sort((a, b) => b.startsAt - a.startsAt)) {
    result = `${result.slice(0, match.startsAt)}${phonePlaceholder}${result.slice(match.endsAt)}`;
  }
  return result;
}
