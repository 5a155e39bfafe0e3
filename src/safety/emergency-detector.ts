import { type EmergencyCategory, emergencyCategories } from './emergency-categories';
import { type EmergencyLexicon, type PatternsByLanguage, emergencyLexiconSchema, loadLexicon } from './lexicon-loader';
import { normalizeForMatching } from './text-normalizer';

export { type EmergencyCategory, emergencyCategories } from './emergency-categories';

export interface EmergencyMatch {
  readonly category: EmergencyCategory;
}

export type EmergencyDetector = (text: string) => EmergencyMatch | undefined;

/** All languages' patterns in one alternation: people mix scripts, and a sign is a sign in any of them. */
function union(patterns: PatternsByLanguage, flags: string, wrap: (source: string) => string = (source) => source): RegExp {
  const sources = [...patterns.en, ...patterns['zh-Hans'], ...patterns['zh-Hant']];
  // An empty list must never match: (?!) always fails.
  return new RegExp(sources.length > 0 ? wrap(sources.map((source) => `(?:${source})`).join('|')) : '(?!)', flags);
}

/** Sentence ends (a '.' inside a number such as 38.5 is not one) and, inside sentences, clause breaks. */
const sentenceBreak = /[!?;。\n]|\.(?!\d)/gu;
const clauseBreak = /[!?;。\n,:、]|\.(?!\d)| - | but | however | though |但是|可是|不过|不過|但/gu;

interface Span {
  readonly start: number;
  readonly end: number;
}

function spanAround(text: string, breaks: RegExp, from: number, to: number): Span {
  let start = 0;
  let end = text.length;
  for (const found of text.matchAll(breaks)) {
    const breakEnd = found.index + found[0].length;
    if (breakEnd <= from) start = breakEnd;
    else if (found.index >= to) {
      end = found.index;
      break;
    }
  }
  return { start, end };
}

/**
 * Builds a detector from a lexicon. Every regular expression is compiled here, once; the returned function
 * only runs them. Deciding "mentioned" versus "happening" is deliberately simple and biased towards firing.
 */
export function createEmergencyDetector(lexicon: EmergencyLexicon): EmergencyDetector {
  const signs = emergencyCategories.map((category) => ({ category, pattern: union(lexicon.categories[category], 'giu') }));
  const { context } = lexicon;
  const negationBefore = union(context.negationBefore, 'iu', (source) => `(?:${source})$`);
  const resolvedAfter = union(context.resolvedAfter, 'iu');
  const hypotheticalBefore = union(context.hypotheticalBefore, 'iu');
  const pastAnywhere = union(context.pastAnywhere, 'iu');
  const mention = union(context.mention, 'iu');
  const reportBefore = union(context.reportBefore, 'iu', (source) => `(?:${source})$`);
  const reportAfter = union(context.reportAfter, 'iu', (source) => `^(?:${source})`);
  const reportAnywhere = union(context.reportAnywhere, 'iu');
  const urgentNow = union(context.urgentNow, 'iu');

  const isHappening = (text: string, at: number, length: number): boolean => {
    const end = at + length;
    const sentence = spanAround(text, sentenceBreak, at, end);
    const clause = spanAround(text, clauseBreak, at, end);
    const clauseBefore = text.slice(clause.start, at);
    const sentenceAfter = text.slice(end, sentence.end);
    // The sign's own words ("won't stop", "不停") must not count as context for or against it.
    const sentenceRest = `${text.slice(sentence.start, at)} ${sentenceAfter}`;
    const clauseRest = `${clauseBefore} ${text.slice(end, clause.end)}`;

    if (negationBefore.test(clauseBefore) || resolvedAfter.test(sentenceAfter)) return false;
    const now = urgentNow.test(sentenceRest);
    if ((hypotheticalBefore.test(clauseBefore) || pastAnywhere.test(clauseRest)) && !now) return false;
    if (!mention.test(sentenceRest)) return true;
    return now || reportBefore.test(clauseBefore) || reportAfter.test(sentenceAfter) || reportAnywhere.test(sentenceRest);
  };

  // Self-harm wins (its reply carries the crisis line and the emergency number); otherwise the sign named first.
  return (text: string): EmergencyMatch | undefined => {
    const normalized = normalizeForMatching(text);
    if (normalized === '') return undefined;
    let first: { category: EmergencyCategory; at: number } | undefined;
    for (const { category, pattern } of signs) {
      for (const found of normalized.matchAll(pattern)) {
        if (!isHappening(normalized, found.index, found[0].length)) continue;
        if (category === 'self-harm') return { category };
        if (!first || found.index < first.at) first = { category, at: found.index };
        break;
      }
    }
    return first ? { category: first.category } : undefined;
  };
}

const defaultDetector = createEmergencyDetector(loadLexicon(emergencyLexiconSchema, 'emergency-lexicon.json'));

/** Whether a message reports an emergency sign happening now, and which; undefined when it only mentions one. */
export function detectEmergency(text: string): EmergencyMatch | undefined {
  return defaultDetector(text);
}
