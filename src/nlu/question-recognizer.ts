/**
 * Free-text question recognizer: one MiniSearch (BM25) index per locale, built once. The index holds every
 * training utterance and, per intent, a profile document of all its utterances together. An intent scores as its
 * best-matching utterance plus its profile: the utterance rewards a close paraphrase, the profile rewards a
 * message whose words are spread over several utterances of the same intent. The answer is
 * trusted ("confident") only when the best intent explains enough of the message, clearly beats the runner-up
 * and is not small talk: a wrong answer about a cancer study is worse than "did you mean ...".
 */
import MiniSearch, { type SearchResult } from 'minisearch';
import { guessLocaleFromText, type Locale, supportedLocales } from '../i18n/locales';
import { type ConfidenceRule, type LocaleNluData, loadKnownIntents, loadLocaleNluData } from './nlu-data';
import { createTokenizer, type Tokenizer } from './tokenize';

export interface Recognition {
  /** The best-matching intent (a topic id or precheck / handoff / check-referral); undefined when nothing matched or small talk won. */
  intent: string | undefined;
  /** BM25 score of the best intent (0 when nothing matched). Only comparable within one locale. */
  score: number;
  /** True only when `intent` may be answered without asking back. */
  confident: boolean;
  /** Up to 3 closest intents, best first (the best one included): the "did you mean ..." choices. */
  alternatives: string[];
}

export interface QuestionRecognizer {
  recognize(text: string, locale: Locale): Recognition;
}

/** Marks training utterances that are small talk; never returned as an intent. */
const outOfScopeIntent = '\u0000out-of-scope';
const maxAlternatives = 3;

interface UtteranceDocument {
  id: number;
  text: string;
  intent: string;
  profile: boolean;
}

interface IntentScore {
  intent: string;
  score: number;
  matchedTerms: Set<string>;
}

interface LocaleIndex {
  recognize(text: string): Recognition;
}

function aggregateByIntent(results: SearchResult[]): IntentScore[] {
  const byIntent = new Map<string, IntentScore & { profileScore: number; utteranceScore: number }>();
  for (const result of results) {
    const intent = result['intent'] as string;
    const entry = byIntent.get(intent) ?? { intent, score: 0, profileScore: 0, utteranceScore: 0, matchedTerms: new Set<string>() };
    if (result['profile'] === true) entry.profileScore = result.score;
    else entry.utteranceScore = Math.max(entry.utteranceScore, result.score);
    for (const term of result.queryTerms) entry.matchedTerms.add(term);
    byIntent.set(intent, entry);
  }
  return [...byIntent.values()]
    .map(({ intent, profileScore, utteranceScore, matchedTerms }) => ({ intent, score: profileScore + utteranceScore, matchedTerms }))
    .sort((a, b) => b.score - a.score);
}

function buildLocaleIndex(data: LocaleNluData, tokenizer: Tokenizer): LocaleIndex {
  const documents: UtteranceDocument[] = [];
  const add = (intent: string, utterances: readonly string[]): void => {
    for (const text of utterances) documents.push({ id: documents.length, text, intent, profile: false });
    documents.push({ id: documents.length, text: utterances.join('\n'), intent, profile: true });
  };
  for (const [intent, utterances] of Object.entries(data.intents)) add(intent, utterances);
  add(outOfScopeIntent, data.outOfScope);

  // Terms are produced by our tokenizer already normalised; MiniSearch must not lowercase or split them again.
  const index = new MiniSearch<UtteranceDocument>({
    fields: ['text'],
    storeFields: ['intent', 'profile'],
    tokenize: (text) => tokenizer.tokenize(text),
    processTerm: (term) => term,
  });
  index.addAll(documents);

  // Typo tolerance only for longer Latin terms: one edit on a 4-letter word changes its meaning too often.
  const fuzzy = (term: string): number | boolean => (/^[a-z]{6,}$/.test(term) ? 1 : false);
  const rule: ConfidenceRule = data.confidence;

  const recognize = (text: string): Recognition => {
    const queryTerms = new Set(tokenizer.tokenize(text));
    if (queryTerms.size === 0) return { intent: undefined, score: 0, confident: false, alternatives: [] };
    const ranked = aggregateByIntent(index.search(text, { combineWith: 'OR', prefix: false, fuzzy }));
    const intents = ranked.filter((entry) => entry.intent !== outOfScopeIntent);
    const alternatives = intents.slice(0, maxAlternatives).map((entry) => entry.intent);
    const best = ranked[0];
    if (!best || best.intent === outOfScopeIntent) return { intent: undefined, score: 0, confident: false, alternatives };
    const runnerUp = ranked[1]?.score ?? 0;
    const coverage = best.matchedTerms.size / queryTerms.size;
    const confident = best.score >= rule.minScore && coverage >= rule.minCoverage && runnerUp / best.score <= rule.maxRunnerUpRatio;
    return { intent: best.intent, score: best.score, confident, alternatives };
  };

  return { recognize };
}

const isChinese = (locale: Locale): boolean => locale !== 'en';

/**
 * Which indexes to ask, in order. Text clearly in the other script (English typed in a Chinese conversation)
 * goes to that script's index first; a Chinese message that is not confident in its own script's index also
 * tries the other Chinese script, because people mix Simplified and Traditional.
 */
function indexOrder(text: string, locale: Locale): Locale[] {
  const guessed = guessLocaleFromText(text);
  if (guessed && isChinese(guessed) !== isChinese(locale)) return [guessed, locale];
  if (isChinese(locale)) return [locale, locale === 'zh-Hans' ? 'zh-Hant' : 'zh-Hans'];
  return [locale];
}

export function createQuestionRecognizer(rootDir: string): QuestionRecognizer {
  const knownIntents = loadKnownIntents(rootDir);
  const indexes = new Map<Locale, LocaleIndex>();
  for (const locale of supportedLocales) {
    const data = loadLocaleNluData(rootDir, locale, knownIntents);
    indexes.set(locale, buildLocaleIndex(data, createTokenizer(data)));
  }
  const indexFor = (locale: Locale): LocaleIndex => {
    const found = indexes.get(locale);
    if (!found) throw new Error(`no NLU index for locale ${locale}`);
    return found;
  };

  return {
    recognize(text: string, locale: Locale): Recognition {
      const attempts: Recognition[] = [];
      for (const candidate of indexOrder(text, locale)) {
        const recognition = indexFor(candidate).recognize(text);
        if (recognition.confident) return recognition;
        attempts.push(recognition);
      }
      // Nothing confident: the first index's view gives the best "did you mean" choices.
      const first = attempts[0];
      if (!first) throw new Error('no index was consulted');
      return first;
    },
  };
}
