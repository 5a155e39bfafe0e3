/**
 * What the safety net's learned second opinions share (decision-classifier.ts, red-flag-classifier.ts): the
 * question recognizer's featurizer after the Chinese fold, the recognizer's own utterances as ordinary
 * messages, and weights trained once and stored under dist/safety-cache (the recognizer's model-cache format
 * and key). Beside the weights, the build writes the key of the weights it stored last, so a deployment
 * without the test fixtures (the training files) still finds them; with neither, the caller is told and the
 * patterns run alone.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadChineseFolder } from '../i18n/fold-chinese';
import { supportedLocales } from '../i18n/locales';
import { modelCacheKey, readStoredModels, type StoredModels, writeStoredModels } from '../nlu/model-cache';
import { loadKnownIntents, loadLocaleNluData } from '../nlu/nlu-data';
import { createFeaturizer } from '../nlu/text-features';
import { createTokenizer } from '../nlu/tokenize';
import type { LanguageFamily } from './evaluate-safety';
import { normalizeAndFold } from './text-normalizer';

export const safetyModelFamilies = ['en', 'zh'] as const;

const han = /\p{Script=Han}/u;

/** A setting per language family; null: the learned part adds nothing in that family (chosen by measurement). */
export const familyThresholdsSchema = z.strictObject({ en: z.number().min(0.5).max(1).nullable(), zh: z.number().min(0.5).max(1).nullable() });
/** A message needs at least this many words (English) or Chinese characters before a learned part may score it. */
export const familyMinLengthSchema = z.strictObject({ en: z.number().int().min(1), zh: z.number().int().min(1) });

/** Which model reads a message: any Chinese character makes it Chinese. */
export const familyOfText = (text: string): LanguageFamily => (han.test(text) ? 'zh' : 'en');

export const defaultSafetyCacheDir = (rootDir: string) => path.join(rootDir, 'dist', 'safety-cache');

/** Per Chinese folder, the latest message's features (the featurizer is the same for every safety model). */
const lastFeatures = new WeakMap<(text: string) => string, { readonly text: string; readonly features: string[] }>();

/** Words, word pairs and character n-grams of the text as the safety patterns see it (normalized, Chinese folded). */
export function createSafetyFeaturizer(rootDir: string): { featurize: (text: string) => string[]; normalize: (text: string) => string } {
  const foldChinese = loadChineseFolder(rootDir);
  // The same one-message memory as the patterns': a tier asked about a message reads the text they folded.
  const normalize = (text: string) => normalizeAndFold(text, foldChinese);
  const features = createFeaturizer(createTokenizer({ synonyms: {}, patterns: [], stopwords: [] }), [], normalize);
  // Both learned parts score a long message: its features are found once (frozen: a reader cannot change them for the other).
  const featurize = (text: string): string[] => {
    const last = lastFeatures.get(foldChinese);
    if (last?.text === text) return last.features;
    const found = Object.freeze(features(text)) as string[];
    lastFeatures.set(foldChinese, { text, features: found });
    return found;
  };
  return { featurize, normalize };
}

/** The question recognizer's utterances (study questions, small talk, out of scope) per language family. */
export function recognizerUtterances(rootDir: string): Record<LanguageFamily, string[]> {
  const utterances: Record<LanguageFamily, string[]> = { en: [], zh: [] };
  const knownIntents = loadKnownIntents(rootDir);
  for (const locale of supportedLocales) {
    const data = loadLocaleNluData(rootDir, locale, knownIntents);
    utterances[locale === 'en' ? 'en' : 'zh'].push(...Object.values(data.intents).flat(), ...data.outOfScope, ...(data.smallTalk ?? []));
  }
  return utterances;
}

/** The recognizer's data files, for a cache key. */
export const recognizerDataFiles = (rootDir: string): string[] => [
  ...supportedLocales.map((locale) => path.join(rootDir, 'content', 'nlu', `${locale}.json`)),
  path.join(rootDir, 'content', 'topics.json'),
];

export interface StoredSafetyModelRequest {
  /** Names the current-key file beside the weights, e.g. 'medical-decision-classifier'. */
  readonly name: string;
  readonly trainingFolder: string;
  /** Every file training reads (data and code), for the cache key; called only when the training folder exists. */
  readonly inputs: () => string[];
  readonly keySettings: unknown;
  readonly train: () => StoredModels;
  /** false: always train (and store nothing). */
  readonly cacheDir: string | false;
  /** A run that leaves training files out is an experiment: trained, never cached. */
  readonly experiment: boolean;
  readonly warn: (message: string) => void;
}

const currentKeyFile = (cacheDir: string, name: string) => path.join(cacheDir, `${name}.current`);

function readCurrentKey(cacheDir: string, name: string): string | undefined {
  try {
    return readFileSync(currentKeyFile(cacheDir, name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function writeCurrentKey(cacheDir: string, name: string, key: string): void {
  try {
    writeFileSync(currentKeyFile(cacheDir, name), `${key}\n`);
  } catch {
    // A read-only cache folder: the weights are still used when the training files are there.
  }
}

/**
 * Stored weights when the cache holds this data's, else trained (and stored). Without the training folder it
 * reads the weights the build stored last; without those either, it warns and returns undefined.
 */
export function loadStoredSafetyModels(request: StoredSafetyModelRequest): StoredModels | undefined {
  const { name, cacheDir } = request;
  const hasEveryFamily = (models: StoredModels | undefined) => models !== undefined && safetyModelFamilies.every((family) => models[family]);
  if (!existsSync(request.trainingFolder)) {
    const key = cacheDir === false ? undefined : readCurrentKey(cacheDir, name);
    const stored = cacheDir === false || !key ? undefined : readStoredModels(cacheDir, key);
    if (hasEveryFamily(stored)) return stored;
    request.warn(`${name}: no training folder (${request.trainingFolder}) and no stored weights${cacheDir === false ? '' : ` in ${cacheDir}`}; the patterns run alone (run \`npm run build\` to store the weights)`);
    return undefined;
  }
  if (cacheDir === false || request.experiment) return request.train();
  const key = modelCacheKey(request.inputs(), request.keySettings);
  let stored = readStoredModels(cacheDir, key);
  if (!hasEveryFamily(stored)) {
    stored = request.train();
    if (writeStoredModels(cacheDir, key, stored)) writeCurrentKey(cacheDir, name, key);
  } else if (readCurrentKey(cacheDir, name) !== key) writeCurrentKey(cacheDir, name, key);
  return stored;
}
