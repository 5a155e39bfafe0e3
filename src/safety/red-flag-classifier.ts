/**
 * The red-flag net's learned doubt tier: a logistic-regression model per language family over the same
 * features as the medical-decision classifier (learned-safety-model.ts), trained on the safety tuning set's
 * red-flag cases — each emergency labelled with its category, each look-alike and each of the question
 * recognizer's utterances as 'none'. It is asked only when the sign detector found nothing, and it can only
 * add the short "if this is happening now, call" reply (certainty 'unclear') under the category it finds most
 * likely, never remove or raise an answer. Settings and the calibration: content/safety/red-flag-classifier.json.
 * Its gate (createDoubtGate) keeps it silent when the patterns' own cues clearly say the event is denied, over,
 * past, hypothetical or asked about: issue 7's "can only lower the urgency when the text clearly says so".
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { classifierFromModel, type LabelledExample, trainModel } from '../nlu/intent-classifier';
import type { StoredModels } from '../nlu/model-cache';
import { type EmergencyCategory, emergencyCategories } from './emergency-categories';
import { clauseBreak, compile, compileCues, type EmergencyMatch, type Span, sentenceBreak, spans } from './emergency-detector';
import { type LanguageFamily, loadRedFlagSet } from './evaluate-safety';
import { loadChineseFolder } from '../i18n/fold-chinese';
import { type RedFlagLexicon, loadSafetyFile, redFlagLexiconSchema } from './red-flag-lexicon';
import { normalizeAndFold } from './text-normalizer';
import { createSafetyFeaturizer, defaultSafetyCacheDir, familyMinLengthSchema, familyOfText, familyThresholdsSchema, loadStoredSafetyModels, recognizerDataFiles, recognizerUtterances, safetyModelFamilies } from './learned-safety-model';

const noneLabel = 'none';

export const redFlagClassifierSettingsSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  /** Folder (from the project root) whose red-flags-*.json cases are the training examples. */
  trainingFolder: z.string().min(1),
  /** How many times an emergency case counts. */
  emergencyWeight: z.number().int().positive(),
  /** Lowest probability of "some emergency" (1 - P(none)) that adds the short reply; null: the tier is off in that family. */
  threshold: familyThresholdsSchema,
  /** A message needs at least this many words (English) or Chinese characters: a short answer or a button's value is never scored. */
  minLength: familyMinLengthSchema,
  /** Concepts of the lexicon's signs that say who or how, not what happens: the gate (createDoubtGate) does not read them as a mention. */
  gateContextConcepts: z.array(z.string().min(1)),
  training: z.strictObject({ epochs: z.number().int().positive(), learningRate: z.number().positive(), l2: z.number().min(0) }),
});
export type RedFlagClassifierSettings = z.infer<typeof redFlagClassifierSettingsSchema>;

export interface RedFlagClassifier {
  /** Probability (0..1) that the message reports an emergency, and the most likely category. */
  readonly score: (text: string) => { probability: number; category: EmergencyCategory };
  /** The short reply's match when the probability reaches the family's threshold (and the message is long enough). */
  readonly doubt: (text: string) => EmergencyMatch | undefined;
}

export interface RedFlagClassifierOptions {
  /** Where trained weights are stored and looked up; false: always train (and store nothing). */
  readonly cacheDir?: string | false;
  /** Training cases to leave out (by file name), e.g. a set held out to measure generalisation. */
  readonly excludeFiles?: (fileName: string) => boolean;
  /** Told when the tier cannot run (no training files and no stored weights); default: a process warning. */
  readonly warn?: (message: string) => void;
}

/** Adds nothing: what runs when neither the training files nor stored weights are there. */
const patternsOnly: RedFlagClassifier = { score: () => ({ probability: 0, category: 'bleeding' }), doubt: () => undefined };

const isCategory = (label: string): label is EmergencyCategory => (emergencyCategories as readonly string[]).includes(label);

/** `answeredByPatterns` drops recognizer utterances the patterns themselves answer (their label would contradict them). */
function trainingExamples(rootDir: string, settings: RedFlagClassifierSettings, answeredByPatterns: (text: string) => boolean, excludeFiles: (fileName: string) => boolean): Record<LanguageFamily, LabelledExample[]> {
  const examples: Record<LanguageFamily, LabelledExample[]> = { en: [], zh: [] };
  for (const item of loadRedFlagSet(path.join(rootDir, settings.trainingFolder)).cases) {
    if (excludeFiles(item.file)) continue;
    if (item.expect === 'none') {
      examples[item.family].push({ text: item.text, label: noneLabel });
      continue;
    }
    if (!isCategory(item.category)) throw new Error(`red-flag classifier: ${item.file} has an emergency of unknown category '${item.category}'`);
    for (let copy = 0; copy < settings.emergencyWeight; copy += 1) examples[item.family].push({ text: item.text, label: item.category });
  }
  const utterances = recognizerUtterances(rootDir);
  for (const family of safetyModelFamilies) for (const text of utterances[family]) if (!answeredByPatterns(text)) examples[family].push({ text, label: noneLabel });
  return examples;
}

/** Every file training reads (data and code), for the cache key; the training folder must exist. */
function trainingInputs(rootDir: string, settings: RedFlagClassifierSettings): string[] {
  const folder = path.join(rootDir, settings.trainingFolder);
  const cases = readdirSync(folder).filter((name) => name.startsWith('red-flags') && name.endsWith('.json')).sort().map((name) => path.join(folder, name));
  const safety = path.join(rootDir, 'content', 'safety');
  const extension = path.extname(__filename);
  return [
    ...cases,
    ...recognizerDataFiles(rootDir),
    path.join(safety, 'red-flags.json'),
    path.join(safety, 'red-flag-classifier.json'),
    path.join(safety, 'cantonese.json'),
    __filename,
    path.join(__dirname, `emergency-detector${extension}`),
    path.join(__dirname, `text-normalizer${extension}`),
    path.join(__dirname, `learned-safety-model${extension}`),
  ];
}

const lengthOf: Record<LanguageFamily, (text: string) => number> = {
  en: (text) => text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word)).length,
  // Chinese characters, and a Latin word counts as one.
  zh: (text) => (text.match(/\p{Script=Han}/gu) ?? []).length + (text.match(/[a-z0-9][a-z0-9-]*/giu) ?? []).length,
};

/** Whether the tier must stay silent on a message it would flag under `category`. */
export type DoubtGate = (text: string, category: EmergencyCategory) => boolean;

/**
 * The patterns' cues (red-flags.json) read around what the message names, as the sign detector reads them around
 * a sign. What it names: the concepts of every sign but `contextConcepts` (who, "just", "badly"), grouped by
 * clause. A clause is denied when negation comes right before one of them ("no chest pain", 胸口不疼); over
 * when 'resolved' follows its first one in the sentence (and not 'started again'); and — unless the sentence
 * says now, "just", or the next sentence says it goes on — in the distant past, hypothetical (not for
 * self-harm) or a question (not when asking for help or when someone is reported having it); self-harm words only by denial, or when their clause is in the distant past and the sentence says it is over ('in my twenties …, I'm well now'). The gate closes only when at least one clause names
 * something and every such clause is one of those: a message naming nothing (what the tier is for) or one live
 * clause keeps the tier's answer. As in the sign detector, a live signal anywhere in the sentence (the cue
 * 'ongoing': "can't stop it", 止不住) or the next sentence saying it goes on outweighs the distant past and a
 * question ("he had a big bleed after radiotherapy, can't stop it, is that serious?"), and asking whether one can
 * still join (the cue 'eligibility') makes what the sentence names history unless it says now. A figure of speech
 * the lexicon knows ("overdosed on google") counts as a clause that is not live when its own words name the
 * category the tier found: the tier's reason is then explained away, while any other clause still keeps it open.
 */
export function createDoubtGate(lexicon: RedFlagLexicon, foldChinese: (text: string) => string, contextConcepts: readonly string[]): DoubtGate {
  const { cues } = lexicon;
  const named = new Set(Object.values(lexicon.categories).flatMap(({ signs }) => signs.flatMap((sign) => sign.all)));
  for (const name of contextConcepts) named.delete(name);
  // One union, scanned left to right: "isn't breathing" is one mention, not a denied "breathing".
  const mention = compile([...named].flatMap((name) => lexicon.concepts[name] ?? []), 'giu');
  const figurative = compile(lexicon.figurative, 'giu');
  const { negation, resolved, restarted, distantPast, hypothetical, question, now, help, ongoing, eligibility, eventBefore, continuesAfter, reportBefore, reportAfter, reportWrapper } = compileCues(cues);
  // Self-harm is said as a conditional or a farewell ("better off if I was dead", 大家会好过啲): only denial lowers it.
  const selfHarm = compile([...new Set(lexicon.categories['self-harm'].signs.flatMap((sign) => sign.all))].flatMap((name) => lexicon.concepts[name] ?? []));
  // What each category's signs name (its context concepts left out): a figure of speech explains the tier away only when it holds one.
  const namesCategory = Object.fromEntries(emergencyCategories.map((category) => {
    const own = [...new Set(lexicon.categories[category].signs.flatMap((sign) => sign.all))].filter((name) => named.has(name));
    const sources = own.flatMap((name) => lexicon.concepts[name] ?? []);
    return [category, compile(sources.length > 0 ? sources : ['(?!)'])];
  })) as Record<EmergencyCategory, RegExp>;

  /** Whether a clause's mentions (in order, at least one) may be happening now. */
  const live = (sentence: string, clause: Span, mentions: Span[], nextSentence: string, category: EmergencyCategory): boolean => {
    const denied = mentions.some((part, index) => negation.test(sentence.slice(index > 0 ? (mentions[index - 1] as Span).end : clause.start, part.start).trim()));
    if (denied) return false;
    const first = mentions[0] as Span;
    const after = sentence.slice(first.end);
    const over = resolved.test(after) && !restarted.test(after);
    // Self-harm otherwise stays live: only when its own clause is years back and the sentence says it is over.
    if (selfHarm.test(sentence.slice(clause.start, clause.end))) return !(over && distantPast.test(sentence.slice(clause.start, clause.end)));
    if (over) return false;
    const before = sentence.slice(clause.start, first.start).trim();
    const present = now.test(sentence) || eventBefore.test(before) || continuesAfter.test(nextSentence);
    // Asking whether one can still join makes what the sentence names history, its live-sounding words included.
    if (eligibility.test(sentence) && !present) return false;
    if (present) return true;
    const clauseText = sentence.slice(clause.start, clause.end);
    if (lexicon.categories[category].lowerOnHypothetical && hypothetical.test(clauseText)) return false;
    // A live signal (the sign goes on) is never history, nor lowered by a question after it ("…, is it serious?"); an 'if' still is.
    if (ongoing.test(sentence)) return true;
    if (distantPast.test(clauseText)) return false;
    // As for a sign: a question about someone having it ("I keep coughing up blood, is this a side effect?") is still that event.
    const reported = reportBefore.test(before) || reportAfter.test(after.trimStart()) || reportWrapper.test(sentence.slice(0, first.start));
    return !question.test(sentence) || help.test(sentence) || reported;
  };

  return (text, category) => {
    const folded = normalizeAndFold(text, foldChinese);
    let namesSomething = false;
    const normalized = folded.replace(figurative, (words) => {
      if (namesCategory[category].test(words)) namesSomething = true;
      return ' '.repeat(words.length);
    });
    const sentences = spans(normalized, sentenceBreak).map((part) => normalized.slice(part.start, part.end));
    for (const [index, sentence] of sentences.entries()) {
      const nextSentence = (sentences[index + 1] ?? '').trimStart();
      const found = [...sentence.matchAll(mention)].filter((match) => match[0] !== '').map((match) => ({ start: match.index, end: match.index + match[0].length }));
      for (const clause of spans(sentence, clauseBreak)) {
        const inClause = found.filter((part) => clause.start <= part.start && part.start < clause.end);
        if (inClause.length === 0) continue;
        namesSomething = true;
        if (live(sentence, clause, inClause, nextSentence, category)) return false;
      }
    }
    return namesSomething;
  };
}

/** The gate over a project root's red-flag lexicon and Chinese fold. */
export const loadDoubtGate = (rootDir: string, settings: RedFlagClassifierSettings): DoubtGate =>
  createDoubtGate(loadSafetyFile(redFlagLexiconSchema, path.join(rootDir, 'content', 'safety'), 'red-flags.json'), loadChineseFolder(rootDir), settings.gateContextConcepts);

/**
 * The tier for a project root: stored weights when the cache holds this data's, else trained (and stored).
 * Without the training folder it reads the weights the build stored last; without those either, it warns and
 * adds nothing, so the patterns run alone.
 */
export function loadRedFlagClassifier(rootDir: string, settings: RedFlagClassifierSettings, answeredByPatterns: (text: string) => boolean, options: RedFlagClassifierOptions = {}): RedFlagClassifier {
  const { featurize } = createSafetyFeaturizer(rootDir);
  const stored = loadStoredSafetyModels({
    name: 'red-flag-classifier',
    trainingFolder: path.join(rootDir, settings.trainingFolder),
    inputs: () => trainingInputs(rootDir, settings),
    keySettings: { settings, excluded: 'none' },
    train: (): StoredModels => {
      const examples = trainingExamples(rootDir, settings, answeredByPatterns, options.excludeFiles ?? (() => false));
      return Object.fromEntries(safetyModelFamilies.map((family) => [family, trainModel(examples[family], featurize, settings.training)]));
    },
    cacheDir: options.cacheDir ?? defaultSafetyCacheDir(rootDir),
    experiment: options.excludeFiles !== undefined,
    warn: options.warn ?? ((message: string) => process.emitWarning(message, 'TrialGuideWarning')),
  });
  if (!stored) return patternsOnly;
  const models = Object.fromEntries(safetyModelFamilies.map((family) => [family, classifierFromModel(stored[family] as StoredModels[string], featurize)])) as Record<LanguageFamily, ReturnType<typeof classifierFromModel>>;
  const score = (text: string): { probability: number; category: EmergencyCategory } => {
    if (text.trim() === '') return { probability: 0, category: 'bleeding' };
    const ranked = models[familyOfText(text)].rank(text);
    const none = ranked.find((item) => item.label === noneLabel)?.probability ?? 0;
    const best = ranked.find((item) => isCategory(item.label));
    return { probability: 1 - none, category: best && isCategory(best.label) ? best.label : 'bleeding' };
  };
  let gate: DoubtGate | undefined;
  const doubt = (text: string): EmergencyMatch | undefined => {
    const family = familyOfText(text);
    const threshold = settings.threshold[family];
    if (threshold === null || lengthOf[family](text) < settings.minLength[family]) return undefined;
    const { probability, category } = score(text);
    if (probability < threshold) return undefined;
    // Built when first needed: most messages never reach the threshold.
    gate ??= loadDoubtGate(rootDir, settings);
    return gate(text, category) ? undefined : { category, certainty: 'unclear' };
  };
  return { score, doubt };
}
