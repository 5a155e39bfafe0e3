/**
 * The medical-decision check's learned second opinion: a logistic-regression model per language family over
 * the question recognizer's features (words, word pairs, character n-grams after the Chinese fold), trained
 * on the safety tuning set's decision and study-question cases plus the recognizer's own utterances (ordinary
 * study questions, small talk) as "not a decision". It only scores; medical-decision-detector.ts lets it add
 * a deflection above the calibrated threshold in content/safety/decision-classifier.json, never remove one.
 * Trained weights are stored under dist/safety-cache (the recognizer's model-cache format and key), so a
 * start reads them instead of training.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { classifierFromModel, type LabelledExample, trainModel } from '../nlu/intent-classifier';
import type { StoredModels } from '../nlu/model-cache';
import { type LanguageFamily, loadDecisionSet } from './evaluate-safety';
import { createSafetyFeaturizer, defaultSafetyCacheDir, familyMinLengthSchema, familyOfText, familyThresholdsSchema, loadStoredSafetyModels, recognizerDataFiles, recognizerUtterances, safetyModelFamilies } from './learned-safety-model';

export { familyOfText } from './learned-safety-model';

const decisionLabel = 'decision';
const notDecisionLabel = 'not-decision';

/**
 * The `classifier` part of content/safety/medical-decision-lexicon.json. Calibration (2026-12-01): 5-fold
 * cross-validation on the tuning files without former-blind-2, the lowest threshold at which at most 1% of
 * study questions and about 0.1% of the recognizer's utterances were deflected; then measured once on
 * former-blind-2 (its $comment has the figures). The Chinese threshold was raised on held-out data in cycle 6 (the same $comment).
 */
export const decisionClassifierSettingsSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  /** Folder (from the project root) whose medical-decision-*.json cases are the training examples. */
  trainingFolder: z.string().min(1),
  /** How many times a decision case counts: there are far fewer of them than study questions and utterances. */
  decisionWeight: z.number().int().positive(),
  /** null: the classifier adds nothing in that language family (chosen by measurement, see the lexicon's $comment). */
  threshold: familyThresholdsSchema,
  /**
   * What a message needs before the classifier may deflect it: at least this many words (English) or Chinese
   * characters (a Latin word counts as one), and one of `asks` (a question or a request for advice). A short answer or command typed in a
   * dialog ("可以", "继续", "stop") is never a decision request the patterns have not seen.
   */
  minLength: familyMinLengthSchema,
  asks: z.array(z.string().min(1)).min(1),
  /** Messages the classifier never deflects: asking whether to seek urgent care (an ambulance, A&E) is no treatment decision. */
  never: z.array(z.string().min(1)).min(1),
  training: z.strictObject({ epochs: z.number().int().positive(), learningRate: z.number().positive(), l2: z.number().min(0) }),
});
export type DecisionClassifierSettings = z.infer<typeof decisionClassifierSettingsSchema>;

export interface DecisionClassifier {
  /** Probability (0..1) that the message asks for a treatment decision. */
  readonly probability: (text: string) => number;
  /** Whether that probability reaches the family's threshold. */
  readonly isDecision: (text: string) => boolean;
}

export interface DecisionClassifierOptions {
  /** Where trained weights are stored and looked up; false: always train (and store nothing). */
  readonly cacheDir?: string | false;
  /** Training cases to leave out (by file name), e.g. a set held out to measure generalisation. */
  readonly excludeFiles?: (fileName: string) => boolean;
  /** Told when the classifier cannot run (no training files and no stored weights); default: a process warning. */
  readonly warn?: (message: string) => void;
}

/** Adds nothing to the patterns: what runs when neither the training files nor stored weights are there. */
const patternsOnly: DecisionClassifier = { probability: () => 0, isDecision: () => false };

export const defaultDecisionCacheDir = defaultSafetyCacheDir;

/**
 * Training examples per family. `isLexiconDecision` drops recognizer utterances the lexicon itself calls a
 * decision (their label would contradict the lexicon).
 */
function trainingExamples(rootDir: string, settings: DecisionClassifierSettings, isLexiconDecision: (text: string) => boolean, excludeFiles: (fileName: string) => boolean): Record<LanguageFamily, LabelledExample[]> {
  const examples: Record<LanguageFamily, LabelledExample[]> = { en: [], zh: [] };
  for (const item of loadDecisionSet(path.join(rootDir, settings.trainingFolder)).cases) {
    if (excludeFiles(item.file)) continue;
    const label = item.expect === 'decision' ? decisionLabel : notDecisionLabel;
    for (let copy = 0; copy < (item.expect === 'decision' ? settings.decisionWeight : 1); copy += 1) examples[item.family].push({ text: item.text, label });
  }
  const utterances = recognizerUtterances(rootDir);
  for (const family of safetyModelFamilies) for (const text of utterances[family]) if (!isLexiconDecision(text)) examples[family].push({ text, label: notDecisionLabel });
  return examples;
}

/** Every file training reads (data and code), for the cache key; the training folder must exist. */
function trainingInputs(rootDir: string, settings: DecisionClassifierSettings): string[] {
  const folder = path.join(rootDir, settings.trainingFolder);
  const cases = readdirSync(folder).filter((name) => name.startsWith('medical-decision') && name.endsWith('.json')).sort().map((name) => path.join(folder, name));
  const safety = path.join(rootDir, 'content', 'safety');
  const extension = path.extname(__filename);
  return [
    ...cases,
    ...recognizerDataFiles(rootDir),
    path.join(safety, 'medical-decision-lexicon.json'),
    path.join(safety, 'cantonese.json'),
    __filename,
    // The patterns decide which utterances are left out of training (trainingExamples).
    path.join(__dirname, `medical-decision-detector${extension}`),
    path.join(__dirname, `text-normalizer${extension}`),
    path.join(__dirname, `learned-safety-model${extension}`),
  ];
}

/**
 * The classifier for a project root: stored weights when the cache holds this data's, else trained (and
 * stored). Without the training folder (a deployment that ships no test fixtures) it reads the weights the
 * build stored last; without those either, it warns and adds nothing, so the patterns alone run.
 */
export function loadDecisionClassifier(rootDir: string, settings: DecisionClassifierSettings, isLexiconDecision: (text: string) => boolean, options: DecisionClassifierOptions = {}): DecisionClassifier {
  const { featurize, normalize } = createSafetyFeaturizer(rootDir);
  const stored = loadStoredSafetyModels({
    name: 'medical-decision-classifier',
    trainingFolder: path.join(rootDir, settings.trainingFolder),
    inputs: () => trainingInputs(rootDir, settings),
    keySettings: { settings, excluded: 'none' },
    train: (): StoredModels => {
      const examples = trainingExamples(rootDir, settings, isLexiconDecision, options.excludeFiles ?? (() => false));
      return Object.fromEntries(safetyModelFamilies.map((family) => [family, trainModel(examples[family], featurize, settings.training)]));
    },
    cacheDir: options.cacheDir ?? defaultDecisionCacheDir(rootDir),
    experiment: options.excludeFiles !== undefined,
    warn: options.warn ?? ((message: string) => process.emitWarning(message, 'TrialGuideWarning')),
  });
  if (!stored) return patternsOnly;
  const models = Object.fromEntries(safetyModelFamilies.map((family) => [family, classifierFromModel(stored[family] as StoredModels[string], featurize)])) as Record<LanguageFamily, ReturnType<typeof classifierFromModel>>;
  const probability = (text: string): number => {
    if (text.trim() === '') return 0;
    return models[familyOfText(text)].rank(text).find((ranked) => ranked.label === decisionLabel)?.probability ?? 0;
  };
  const asks = new RegExp(settings.asks.map((source) => `(?:${source})`).join('|'), 'iu');
  const never = new RegExp(settings.never.map((source) => `(?:${source})`).join('|'), 'iu');
  const lengthOf: Record<LanguageFamily, (text: string) => number> = {
    en: (text) => text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word)).length,
    // Chinese characters, and a Latin word (a brand name, 'PD-1') counts as one.
    zh: (text) => (text.match(/\p{Script=Han}/gu) ?? []).length + (text.match(/[a-z0-9][a-z0-9-]*/giu) ?? []).length,
  };
  const mayDeflect = (text: string): boolean => {
    const family = familyOfText(text);
    if (lengthOf[family](text) < settings.minLength[family]) return false;
    const normalized = normalize(text);
    return asks.test(normalized) && !never.test(normalized);
  };
  const isDecision = (text: string): boolean => {
    const threshold = settings.threshold[familyOfText(text)];
    return threshold !== null && mayDeflect(text) && probability(text) >= threshold;
  };
  return { probability, isDecision };
}
