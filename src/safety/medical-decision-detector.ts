import { z } from 'zod';
import { projectRoot } from '../config/load-config';
import { safetyContentDir } from './emergency-detector';
import { loadChineseFolder } from '../i18n/fold-chinese';
import { loadSafetyFile } from './red-flag-lexicon';
import { normalizeForMatching } from './text-normalizer';
import { type DecisionClassifier, type DecisionClassifierOptions, decisionClassifierSettingsSchema, loadDecisionClassifier } from './decision-classifier';

/** `{{medicine}}` stands for the medicine-word alternation, so a pattern is checked with it filled in. */
export const medicinePlaceholder = '{{medicine}}';
/** `{{person}}` stands for the person-word alternation (i, we, my dad, mum, 我爸…). */
export const personPlaceholder = '{{person}}';

function compiles(source: string): boolean {
  try {
    new RegExp(source.replaceAll(medicinePlaceholder, '(?:medicine)').replaceAll(personPlaceholder, '(?:person)'), 'iu');
    return true;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

const patternList = z.array(z.string().min(1).refine(compiles, { message: 'is not a valid regular expression' })).min(1);

export const medicalDecisionLexiconSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  medicineWords: patternList,
  /** Who a decision is for: "should mum take…", "should dad do…" as well as "should I…". */
  personWords: patternList,
  patterns: patternList,
  /** Decisions even when the study is named ("should I stop my chemo to join?"). */
  alwaysDecisions: patternList,
  /** Questions about taking part in the study, which are never treatment decisions. */
  notDecisions: patternList,
  /** Named word groups for `combinations` ({{medicine}} and {{person}} allowed). */
  concepts: z.record(z.string(), patternList),
  /**
   * A request for a decision in other words: every concept of `all` in one sentence (advice sought + a
   * treatment action), none of `none`. Catches "is it worth carrying on with…" that no single phrase does.
   */
  combinations: z.array(z.strictObject({ all: z.array(z.string()).min(1), none: z.array(z.string()).optional() })),
  /** The learned second opinion (decision-classifier.ts): what it trains on, and the threshold above which it adds a deflection. */
  classifier: decisionClassifierSettingsSchema,
});

export type MedicalDecisionLexicon = z.infer<typeof medicalDecisionLexiconSchema>;

const hanCharacter = /\p{Script=Han}/u;
const latinLetter = /[a-z]/iu;

interface Matcher {
  test(text: string): boolean;
}

/**
 * The patterns of a list, split by script: those written with Chinese characters are tried only on text with
 * Chinese in it, the others only on text with Latin letters (or with neither), which halves the time a
 * message takes. A pattern with a Chinese and an English part ("who decides|谁决定") is in both halves.
 */
function scriptUnion(sources: readonly string[], fill: (source: string) => string): Matcher {
  const englishToo = (source: string) => /[a-z]{3,}/i.test(source.replaceAll(medicinePlaceholder, '').replaceAll(personPlaceholder, '').replace(/\\[a-z]/gi, ''));
  const compile = (list: readonly string[]) => (list.length === 0 ? undefined : new RegExp(list.map((source) => `(?:${fill(source)})`).join('|'), 'iu'));
  const chinese = compile(sources.filter((source) => hanCharacter.test(source)));
  const other = compile(sources.filter((source) => !hanCharacter.test(source) || englishToo(source)));
  return {
    test(text: string): boolean {
      const hasHan = hanCharacter.test(text);
      if (chinese && hasHan && chinese.test(text)) return true;
      return Boolean(other && (!hasHan || latinLetter.test(text)) && other.test(text));
    },
  };
}

/** Builds a detector from a lexicon; the regular expressions are compiled here, once. */
export function createMedicalDecisionDetector(lexicon: MedicalDecisionLexicon, foldChinese: (text: string) => string): (text: string) => boolean {
  const medicine = lexicon.medicineWords.join('|');
  const person = lexicon.personWords.join('|');
  const fill = (source: string) => source.replaceAll(medicinePlaceholder, medicine).replaceAll(personPlaceholder, `(?:${person})`);
  const union = (sources: readonly string[]) => scriptUnion(sources, fill);
  const decision = union(lexicon.patterns);
  const studyQuestion = union(lexicon.notDecisions);
  const alwaysDecision = union(lexicon.alwaysDecisions);
  const concepts = new Map(Object.entries(lexicon.concepts).map(([name, sources]) => [name, union(sources)]));
  const conceptNamed = (name: string): Matcher => {
    const found = concepts.get(name);
    if (!found) throw new Error(`medical-decision lexicon: a combination names unknown concept "${name}"`);
    return found;
  };
  const combinations = lexicon.combinations.map((combination) => ({ all: combination.all.map(conceptNamed), none: (combination.none ?? []).map(conceptNamed) }));
  const inOneSentence = (sentence: string) =>
    combinations.some((combination) => combination.all.every((concept) => concept.test(sentence)) && !combination.none.some((concept) => concept.test(sentence)));
  return (text: string): boolean => {
    const normalized = foldChinese(normalizeForMatching(text));
    if (alwaysDecision.test(normalized)) return true;
    if (studyQuestion.test(normalized)) return false;
    return decision.test(normalized) || normalized.split(/[.!?。！？;；\n]+/u).some(inOneSentence);
  };
}

const readLexicon = (rootDir: string) => loadSafetyFile(medicalDecisionLexiconSchema, safetyContentDir(rootDir), 'medical-decision-lexicon.json');

/** The lexicon alone (the classifier is trained beside it, and the evaluation reports both). */
export function loadMedicalDecisionLexiconDetector(rootDir: string = projectRoot): (text: string) => boolean {
  return createMedicalDecisionDetector(readLexicon(rootDir), loadChineseFolder(rootDir));
}

/** The learned classifier over this root's lexicon settings and training files (decision-classifier.ts). */
export function loadMedicalDecisionClassifier(rootDir: string = projectRoot, options: DecisionClassifierOptions = {}): DecisionClassifier {
  const lexicon = readLexicon(rootDir);
  return loadDecisionClassifier(rootDir, lexicon.classifier, createMedicalDecisionDetector(lexicon, loadChineseFolder(rootDir)), options);
}

/**
 * The check the bot runs: the lexicon, plus the learned classifier (decision-classifier.ts), which can add a
 * deflection above its calibrated threshold and never removes one.
 */
export function loadMedicalDecisionDetector(rootDir: string = projectRoot, options: DecisionClassifierOptions = {}): (text: string) => boolean {
  const lexicon = readLexicon(rootDir);
  const byLexicon = createMedicalDecisionDetector(lexicon, loadChineseFolder(rootDir));
  // The same compiled patterns serve the check and the classifier's training (read and compiled once).
  const classifier = loadDecisionClassifier(rootDir, lexicon.classifier, byLexicon, options);
  return (text: string): boolean => byLexicon(text) || classifier.isDecision(text);
}

let defaultDetector: ((text: string) => boolean) | undefined;

/** Whether a message asks the bot to make a medical decision (stop, skip, change, continue or combine a medicine; compare treatments). */
export function detectMedicalDecisionRequest(text: string): boolean {
  defaultDetector ??= loadMedicalDecisionDetector();
  return defaultDetector(text);
}
