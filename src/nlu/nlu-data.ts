/**
 * Loads and checks the recognizer's data: training utterances and the normalisation table per locale
 * (content/nlu/<locale>.json). Intents are the topic ids of content/topics.json plus a few actions; an intent the
 * bot cannot route is a content error, caught at startup rather than in a conversation.
 */
import { z } from 'zod';
import { contentFile, readContentFile } from '../content/content-files';
import { topicsFile } from '../content/topics-file';
import { type Locale, supportedLocales } from '../i18n/locales';

/** Intents that are actions rather than topics: the pre-check, a hand-off to the study team, a referral lookup. */
export const actionIntents = ['precheck', 'handoff', 'check-referral'] as const;

const confidenceSchema = z.strictObject({
  /** Share of the message's terms the best intent must explain. */
  minCoverage: z.number().min(0).max(1),
  /** Runner-up score divided by the best score must stay at or below this. */
  maxRunnerUpRatio: z.number().min(0).max(1),
  /** Lowest BM25 score (after aggregation) worth trusting. */
  minScore: z.number().min(0),
});

export const localeNluSchema = z.strictObject({
  $comment: z.string().optional(),
  locale: z.enum(supportedLocales),
  confidence: confidenceSchema,
  stopwords: z.array(z.string().min(1)),
  synonyms: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
  patterns: z.array(z.strictObject({ pattern: z.string().min(1), replace: z.string().regex(/^[a-z]+$/) })),
  /** Messages that are not questions about this study (other diseases, the weather): never answered with a topic. */
  outOfScope: z.array(z.string().min(1)),
  /** Greetings, thanks, goodbyes, "are you a robot": answered as small talk. */
  smallTalk: z.array(z.string().min(1)).optional(),
  intents: z.record(z.string().min(1), z.array(z.string().min(1)).min(3)),
});
export type LocaleNluData = z.infer<typeof localeNluSchema>;
export type ConfidenceRule = z.infer<typeof confidenceSchema>;

/** content/nlu/<locale>.json: one schema for each locale's file. */
export const nluFile = (locale: Locale) => contentFile(`content/nlu/${locale}.json`, localeNluSchema);

/** Every intent the recognizer may return: topic ids first, then the action intents. */
export function loadKnownIntents(rootDir: string): string[] {
  return [...readContentFile(rootDir, topicsFile).topics.map((topic) => topic.id), ...actionIntents];
}

/** Parses one locale's data against the known intents; throws with the file and the offending ids. */
export function parseLocaleNluData(raw: unknown, locale: Locale, knownIntents: readonly string[], source: string): LocaleNluData {
  const result = localeNluSchema.safeParse(raw);
  if (!result.success) throw new Error(`${source}: invalid NLU data: ${z.prettifyError(result.error)}`);
  const data = result.data;
  if (data.locale !== locale) throw new Error(`${source}: "locale" is ${data.locale}, expected ${locale}`);
  const unknown = Object.keys(data.intents).filter((intent) => !knownIntents.includes(intent));
  if (unknown.length > 0) throw new Error(`${source}: unknown intent id(s): ${unknown.join(', ')}`);
  for (const { pattern } of data.patterns) {
    try {
      new RegExp(pattern, 'giu');
    } catch (error) {
      throw new Error(`${source}: bad pattern ${JSON.stringify(pattern)}: ${String(error)}`);
    }
  }
  return data;
}

/** Known intents without a single training utterance in this locale: they could never be recognised. */
export function missingIntents(data: LocaleNluData, knownIntents: readonly string[]): string[] {
  return knownIntents.filter((intent) => !(intent in data.intents));
}

export function loadLocaleNluData(rootDir: string, locale: Locale, knownIntents: readonly string[]): LocaleNluData {
  const file = nluFile(locale);
  return parseLocaleNluData(readContentFile(rootDir, file), locale, knownIntents, file.path);
}
