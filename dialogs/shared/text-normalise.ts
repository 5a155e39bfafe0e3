/**
 * Normalises typed input for matching: full-width to half-width, lower case, punctuation and spaces removed.
 * "Ｍｅｎｕ！" and "menu" compare equal; so do "菜单。" and "菜单".
 */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\s]+/gu, '')
    .trim();
}

const chineseDigits: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 兩: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Parses a Chinese numeral up to 999 ("五十六", "一百零二", "十八"); undefined if it is not one. */
export function parseChineseNumeral(text: string): number | undefined {
  if (!/^[零〇一二两兩三四五六七八九十百]+$/u.test(text)) return undefined;
  let total = 0;
  let current = 0;
  for (const char of text) {
    if (char === '百') {
      total += (current || 1) * 100;
      current = 0;
    } else if (char === '十') {
      total += (current || 1) * 10;
      current = 0;
    } else {
      current = chineseDigits[char] ?? 0;
    }
  }
  return total + current;
}

/**
 * A number when the WHOLE message is a number ("3", "3.", "第3个", "三", "56岁", "56 years"), else undefined.
 * A number inside a sentence ("I had 2 lines of chemo") is deliberately not a number here.
 */
export function parseWholeNumber(text: string): number | undefined {
  const compact = text.normalize('NFKC').trim().replace(/[\s.。,，!！、)）]+$/u, '').replace(/\s+/g, ' ');
  const match = /^(?:第|no\.?\s*|number\s+|option\s+)?([0-9]{1,3}|[零〇一二两兩三四五六七八九十百]{1,6})\s*(?:个|個|项|項|号|號|岁|歲|周岁|週歲|years?(?: old)?|yrs?|y)?$/iu.exec(compact);
  if (!match?.[1]) return undefined;
  return /^[0-9]+$/.test(match[1]) ? Number(match[1]) : parseChineseNumeral(match[1]);
}

const units: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const teens: Record<string, number> = { ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19 };
const tens: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const englishNumber = new RegExp(
  `\\b(?:(${Object.keys(tens).join('|')})(?:[\\s-]+(${Object.keys(units).join('|')}))?|(${Object.keys(teens).join('|')})|(${Object.keys(units).join('|')}))\\b`,
  'giu',
);

/** English number words up to ninety-nine as digits ("sixty-two" -> "62", "seventy eight" -> "78"). */
export function englishNumberWordsToDigits(text: string): string {
  return text.replace(englishNumber, (_match, ten?: string, unit?: string, teen?: string, single?: string) => {
    if (ten) return String((tens[ten.toLowerCase()] ?? 0) + (unit ? (units[unit.toLowerCase()] ?? 0) : 0));
    if (teen) return String(teens[teen.toLowerCase()]);
    return String(units[(single ?? '').toLowerCase()]);
  });
}
