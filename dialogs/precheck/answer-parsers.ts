import type { i18n } from 'i18next';
import { supportedLocales } from '../../src/i18n/locales';
import { naturalYesNo } from '../shared/natural-answers';
import { englishNumberWordsToDigits, normaliseForMatch, parseChineseNumeral, parseWholeNumber } from '../shared/text-normalise';
import { noAntiPd1Answer, unnamedAntiPd1Answer, unsureAnswer } from './evaluate-precheck';
import type { PrecheckCriteria } from './precheck-criteria';

export type { YesNoUnsure } from '../shared/natural-answers';
import type { YesNoUnsure } from '../shared/natural-answers';
const yesNoValues: readonly YesNoUnsure[] = ['yes', 'no', 'unsure'];

/** Typed words for yes / no / not sure, in every language (a person chatting in English may type 是 or 唔知). */
export type YesNoLexicon = Readonly<Record<YesNoUnsure, readonly string[]>>;

/**
 * The lexicon from the locale files: `precheck:answer.<value>Synonyms` (phrases also used to match the
 * buttons) and `precheck:answer.<value>Words` (short words such as 是 / 有 / 冇 that only count as the WHOLE
 * answer, because they hide inside questions like "是什么意思").
 */
export function yesNoLexiconFrom(i18nInstance: i18n): YesNoLexicon {
  const collect = (value: YesNoUnsure): string[] =>
    supportedLocales.flatMap((locale) =>
      ['Synonyms', 'Words'].flatMap((suffix) => {
        const list: unknown = i18nInstance.getFixedT(locale)(`precheck:answer.${value}${suffix}`, { returnObjects: true });
        return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
      }),
    );
  return { yes: collect('yes'), no: collect('no'), unsure: collect('unsure') };
}

/** Compares answers: normalised, a leading filler ("um", 嗯) and trailing particles (呀, 啦, 嘅) dropped. */
function normaliseAnswer(text: string): string {
  const compact = normaliseForMatch(text.replace(/[’‘]/gu, "'"));
  const withoutFiller = compact.replace(/^(?:um+|uh+|hmm+|well|嗯+|呃+)(?=.)/u, '');
  return withoutFiller.replace(/(?<=.)[呀啊啦喇喔哦嘛吧噢囉咯嘅喎噃]+$/u, '');
}

const clauseBreak = /[,，。.!！;；:：、\n]/u;
/** A short answer word opening a sentence ("no she hasn't"); longer words ("never ...") may start other meanings. */
const maxLeadingWordLength = 4;

/**
 * Parses yes / no / not sure. The whole answer is a known word; or its first clause is ("是的，确诊了",
 * "no, she hasn't"); or it opens with a short answer word ("no she hasn't"). It never sees a question
 * ("是什么意思"): interpretTurn hands a message that reads as one to the recognizer instead.
 */
export function createYesNoParser(lexicon: YesNoLexicon): (text: string) => YesNoUnsure | undefined {
  const phrases = new Map<string, YesNoUnsure>();
  for (const value of yesNoValues) {
    for (const phrase of lexicon[value]) {
      const key = normaliseAnswer(phrase);
      const existing = phrases.get(key);
      if (existing && existing !== value) throw new Error(`pre-check answer word "${phrase}" means both "${existing}" and "${value}"`);
      if (key) phrases.set(key, value);
    }
  }
  return (text: string) => {
    const whole = phrases.get(normaliseAnswer(text));
    if (whole) return whole;
    const natural = naturalYesNo(text);
    if (natural) return natural;
    const firstClause = text.split(clauseBreak)[0] ?? '';
    if (firstClause.trim() && firstClause.trim() !== text.trim()) {
      const clause = phrases.get(normaliseAnswer(firstClause));
      if (clause) return clause;
    }
    const firstWord = /^([a-z']+)\s/iu.exec(text.trim())?.[1];
    if (firstWord && firstWord.length <= maxLeadingWordLength) return phrases.get(normaliseAnswer(firstWord));
    return undefined;
  };
}

const oldestPlausibleAge = 120;
const chineseNumber = '[零〇一二两兩三四五六七八九十百]{1,6}';
const englishAge = /^(?:(?:i am|i'm|im|he is|he's|she is|she's|they are|they're|the patient is|my [a-z]+ is|age|aged|about|around|nearly|almost|just)\s+)+(\d{1,3})(?:\s*(?:years?|yrs?)(?:\s*old)?)?(?:\s+this year)?$/iu;
const chineseAge = new RegExp(
  `^(?:我|他|她|佢|病人|患者|我[\\p{Script=Han}]{1,2})?(?:今年|现年|現年|而家)?(?:已经|已經|快|大概|大约|大約|差不多)?(\\d{1,3}|${chineseNumber})(?:周岁|週歲|岁|歲)(?:了|啦|喇)?$`,
  'u',
);
const chineseThisYear = new RegExp(`^[\\p{Script=Han}]{0,3}?(?:今年|现年|現年)(\\d{1,3}|${chineseNumber})(?:周岁|週歲|岁|歲)?(?:了|啦|喇)?$`, 'u');

/**
 * An age in years from a typed answer: "56", "五十六", "56岁", "I'm 56", "我爸今年六十岁了". A number inside
 * any other sentence ("I had 2 lines of chemo") is not an age.
 */
export function parseAge(text: string): number | undefined {
  const compact = englishNumberWordsToDigits(text.normalize('NFKC')).replace(/[’‘]/gu, "'").trim().replace(/[\s.。,，!！~～]+$/u, '').replace(/\s+/gu, ' ');
  const whole = parseWholeNumber(compact);
  const digitsOrHan = whole === undefined ? (englishAge.exec(compact) ?? chineseAge.exec(compact) ?? chineseThisYear.exec(compact))?.[1] : undefined;
  const age = whole ?? (digitsOrHan === undefined ? undefined : /^\d+$/u.test(digitsOrHan) ? Number(digitsOrHan) : parseChineseNumeral(digitsOrHan));
  return age !== undefined && age >= 1 && age <= oldestPlausibleAge ? age : undefined;
}

/** The first anti-PD-1 medicine named in the text (by position), as its id. */
export function recogniseMedicine(criteria: PrecheckCriteria, text: string): string | undefined {
  const typed = normaliseForMatch(text);
  let best: { id: string; at: number } | undefined;
  for (const medicine of criteria.antiPd1Medicines) {
    for (const name of medicine.names) {
      const at = typed.indexOf(normaliseForMatch(name));
      if (at >= 0 && (!best || at < best.at)) best = { id: medicine.id, at };
    }
  }
  return best?.id;
}

const containsAny = (typed: string, phrases: readonly string[]): boolean => phrases.some((phrase) => typed.includes(normaliseForMatch(phrase)));

/**
 * "Which immunotherapy?" answers: a medicine id (名字 or brand in any language), 'anti-pd1' (had one, name not
 * known: "PD-1", "PD-1单抗", "yes"), 'none' ("没用过PD-1", "no") or 'unsure' (also "免疫治疗" alone, which does
 * not say which medicine). Like every parser it never sees a question (interpretTurn keeps those).
 */
export function createMedicineParser(criteria: PrecheckCriteria, lexicon: YesNoLexicon): (text: string) => string | undefined {
  const yesNo = createYesNoParser(lexicon);
  return (text: string) => {
    const typed = normaliseForMatch(text);
    if (!typed) return undefined;
    if (containsAny(typed, criteria.neverHadPhrases)) return noAntiPd1Answer;
    const medicine = recogniseMedicine(criteria, text);
    if (medicine) return medicine;
    // "免疫治疗" / "打免疫针" without a PD-1 word may be thymalfasin or another immune "booster": not sure,
    // even after "yes" ("有，打过免疫针"). It never counts as an anti-PD-1 medicine.
    if (containsAny(typed, criteria.ambiguousImmuneTerms) && !containsAny(typed, criteria.antiPd1Generic)) return unsureAnswer;
    const answer = yesNo(text);
    if (answer) return { yes: unnamedAntiPd1Answer, no: noAntiPd1Answer, unsure: unsureAnswer }[answer];
    if (criteria.hadUnnamedPhrases.some((phrase) => normaliseForMatch(phrase) === typed)) return unnamedAntiPd1Answer;
    if (containsAny(typed, criteria.antiPd1Generic)) {
      // "不确定是不是PD-1": unsure whether it was one at all.
      const unsurePhrases = lexicon.unsure.filter((phrase) => normaliseForMatch(phrase).length >= 2);
      return containsAny(typed, unsurePhrases) ? unsureAnswer : unnamedAntiPd1Answer;
    }
    return undefined;
  };
}

const ageInSentence = new RegExp(`(?<![\\d.])(\\d{1,3})(?![\\d.])|(${chineseNumber})(?:周岁|週歲|岁|歲)`, 'u');

/** An age named anywhere in a question ("my father is 78, is he too old?", "我爸七十八岁能参加吗"), if any. */
export function ageMentioned(text: string): number | undefined {
  const found = ageInSentence.exec(englishNumberWordsToDigits(text.normalize('NFKC')).replace(/pd-?1/giu, ''));
  if (!found) return undefined;
  const age = found[1] ? Number(found[1]) : parseChineseNumeral(found[2] ?? '');
  return age !== undefined && age >= 1 && age <= oldestPlausibleAge ? age : undefined;
}
