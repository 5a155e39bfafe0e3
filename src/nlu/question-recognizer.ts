/**
 * Free-text question recognizer: two logistic-regression intent classifiers (English; Chinese, with
 * Traditional and written Cantonese folded to Simplified so Mainland, Hong Kong and Taiwan writers share one
 * model), trained from content/nlu (once: the weights are stored under dist/nlu-cache, see model-cache.ts). Besides the topic and action intents, each model knows
 * "small-talk" and "out-of-scope", so a greeting or a question about the weather is told apart from a study
 * question instead of being matched to the nearest topic. An answer is trusted ("confident") only when its
 * probability and its lead over the runner-up pass the thresholds in content/nlu/classifier.json, calibrated on
 * the tuning sets: a wrong answer about a cancer study is worse than "did you mean …".
 */
import path from 'node:path';
import { z } from 'zod';
import { contentFile, readContentFile } from '../content/content-files';
import { topicsFile } from '../content/topics-file';
import { cantoneseFile, loadChineseFolder } from '../i18n/fold-chinese';
import { type Locale, supportedLocales } from '../i18n/locales';
import { classifierFromModel, type IntentClassifier, type LabelledExample, trainModel } from './intent-classifier';
import { defaultModelCacheDir, modelCacheKey, readStoredModels, type StoredModels, writeStoredModels } from './model-cache';
import { loadKnownIntents, loadLocaleNluData, nluFile } from './nlu-data';
import { createFeaturizer } from './text-features';
import { createTokenizer } from './tokenize';

/** Labels that are not intents: what the message is when it is not a study question. */
export const smallTalkLabel = 'small-talk';
export const outOfScopeLabel = 'out-of-scope';

export type RecognitionKind = 'intent' | 'smallTalk' | 'outOfScope';

export interface Recognition {
  /** The best intent (a topic id or precheck / handoff / check-referral); undefined for small talk and out of scope. */
  intent: string | undefined;
  /** What the best label is. */
  kind: RecognitionKind;
  /** Probability of the best label (0..1). */
  score: number;
  /** Its lead over the runner-up's probability. */
  margin: number;
  /** True only when the best label may be acted on without asking back. */
  confident: boolean;
  /** Up to 3 most likely intents, best first: the "did you mean …" choices. */
  alternatives: string[];
}

export interface QuestionRecognizer {
  recognize(text: string, locale: Locale): Recognition;
}

const thresholdsSchema = z.strictObject({
  minProbability: z.number().min(0).max(1),
  minMargin: z.number().min(0).max(1),
  /** Least share of the message's features the model has seen: nonsense ("紫色大象星期二") is never confident. */
  minCoverage: z.number().min(0).max(1),
});
const classifierSettingsSchema = z.strictObject({
  $comment: z.string().optional(),
  en: thresholdsSchema,
  zh: thresholdsSchema,
  training: z.strictObject({ epochs: z.number().int().positive(), learningRate: z.number().positive(), l2: z.number().min(0) }),
});
export type ClassifierSettings = z.infer<typeof classifierSettingsSchema>;

/** content/nlu/classifier.json: the thresholds and training settings of both models. */
export const classifierSettingsFile = contentFile('content/nlu/classifier.json', classifierSettingsSchema);

export function loadClassifierSettings(rootDir: string): ClassifierSettings {
  return readContentFile(rootDir, classifierSettingsFile);
}

const maxAlternatives = 3;
const han = /\p{Script=Han}/u;

type Family = 'en' | 'zh';

interface FamilyModel {
  readonly classify: (text: string) => ReturnType<IntentClassifier['rank']>;
  readonly coverage: (text: string) => number;
  readonly thresholds: z.infer<typeof thresholdsSchema>;
}

/** Which model reads a message: its own script decides (English typed in a Chinese chat goes to English). */
export function familyOf(text: string, locale: Locale): Family {
  if (han.test(text)) return 'zh';
  return /[a-z]{2,}/i.test(text) || locale === 'en' ? 'en' : 'zh';
}

/** The labelled utterances of some locales' data, as training examples. */
function examplesOf(rootDir: string, locales: readonly Locale[], knownIntents: readonly string[]): LabelledExample[] {
  const examples: LabelledExample[] = [];
  for (const locale of locales) {
    const data = loadLocaleNluData(rootDir, locale, knownIntents);
    for (const [intent, utterances] of Object.entries(data.intents)) for (const text of utterances) examples.push({ text, label: intent });
    for (const text of data.outOfScope) examples.push({ text, label: outOfScopeLabel });
    for (const text of data.smallTalk ?? []) examples.push({ text, label: smallTalkLabel });
  }
  return examples;
}

const built = new Map<string, QuestionRecognizer>();

export interface RecognizerOptions {
  /** Where trained weights are stored and looked up; false: always train (and store nothing). */
  cacheDir?: string | false;
}

/**
 * The recognizer for a project root, built once per process and data: an app built again (tests, the
 * terminal chat) reuses it. Its weights come from the model cache when it holds this data's, else training.
 */
export function createQuestionRecognizer(rootDir: string, settings: ClassifierSettings = loadClassifierSettings(rootDir), options: RecognizerOptions = {}): QuestionRecognizer {
  const cacheDir = options.cacheDir ?? defaultModelCacheDir(rootDir);
  const key = `${rootDir}\u0000${JSON.stringify(settings)}\u0000${String(cacheDir)}`;
  const cached = built.get(key);
  if (cached) return cached;
  const recognizer = buildQuestionRecognizer(rootDir, settings, cacheDir);
  built.set(key, recognizer);
  return recognizer;
}

/** Every file training reads, for the model cache's key. */
function trainingDataFiles(rootDir: string): string[] {
  return [topicsFile.path, cantoneseFile.path, ...supportedLocales.map((locale) => nluFile(locale).path)].map((file) => path.join(rootDir, file));
}

/** Builds a recognizer without the per-process memo (tests compare a stored model with a freshly trained one). */
export function buildQuestionRecognizer(rootDir: string, settings: ClassifierSettings, cacheDir: string | false): QuestionRecognizer {
  const knownIntents = loadKnownIntents(rootDir);
  const foldChinese = loadChineseFolder(rootDir, { phrases: false });

  const englishData = loadLocaleNluData(rootDir, 'en', knownIntents);
  const englishFeatures = createFeaturizer(createTokenizer(englishData), englishData.stopwords);
  const simplified = loadLocaleNluData(rootDir, 'zh-Hans', knownIntents);
  const chineseFeatures = createFeaturizer(createTokenizer(simplified), simplified.stopwords, foldChinese);

  const train = (): StoredModels => ({
    en: trainModel(examplesOf(rootDir, ['en'], knownIntents), englishFeatures, settings.training),
    zh: trainModel(examplesOf(rootDir, supportedLocales.filter((locale) => locale !== 'en'), knownIntents), chineseFeatures, settings.training),
  });
  let stored: StoredModels | undefined;
  if (cacheDir === false) stored = train();
  else {
    const cacheKey = modelCacheKey(trainingDataFiles(rootDir), settings);
    stored = readStoredModels(cacheDir, cacheKey);
    if (!stored?.en || !stored.zh) {
      stored = train();
      writeStoredModels(cacheDir, cacheKey, stored);
    }
  }
  const english = classifierFromModel(stored.en as StoredModels[string], englishFeatures);
  const chinese = classifierFromModel(stored.zh as StoredModels[string], chineseFeatures);
  const models: Record<Family, FamilyModel> = {
    en: { classify: english.rank, coverage: english.coverage, thresholds: settings.en },
    zh: { classify: chinese.rank, coverage: chinese.coverage, thresholds: settings.zh },
  };

  return {
    recognize(text: string, locale: Locale): Recognition {
      const model = models[familyOf(text, locale)];
      const ranked = model.classify(text);
      const best = ranked[0];
      const runnerUp = ranked[1];
      const alternatives = ranked.filter((entry) => entry.label !== smallTalkLabel && entry.label !== outOfScopeLabel).slice(0, maxAlternatives).map((entry) => entry.label);
      if (!best || text.trim() === '') return { intent: undefined, kind: 'outOfScope', score: 0, margin: 0, confident: false, alternatives };
      const confident =
        best.probability >= model.thresholds.minProbability &&
        best.probability - (runnerUp?.probability ?? 0) >= model.thresholds.minMargin &&
        model.coverage(text) >= model.thresholds.minCoverage;
      const kind: RecognitionKind = best.label === smallTalkLabel ? 'smallTalk' : best.label === outOfScopeLabel ? 'outOfScope' : 'intent';
      return { intent: kind === 'intent' ? best.label : undefined, kind, score: best.probability, margin: best.probability - (runnerUp?.probability ?? 0), confident, alternatives };
    },
  };
}
