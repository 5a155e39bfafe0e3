import { z } from 'zod';
import { projectRoot } from '../config/load-config';
import { type PatternCacheOptions, safetyContentDir } from './emergency-detector';
import { loadChineseFolder } from '../i18n/fold-chinese';
import { loadSafetyFile } from './red-flag-lexicon';
import { defaultSafetyCacheDir } from './learned-safety-model';
import { GatedPatternList, type LiteralHits, LiteralIndex, type PatternAnalysis, storedPatternLiterals } from './pattern-prefilter';
import { normalizeAndFold } from './text-normalizer';
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
  /**
   * What the rest of a message must hold to be read on its own when one of its sentences or clauses is a study
   * question: a question mark or a word that asks ("My oncologist suggested stopping chemo a year ago. Is that a
   * problem for eligibility?" tells, then asks a study question).
   */
  asks: patternList,
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

/** Where a sentence ends (after NFKC, Chinese ？！； are ASCII): a full stop only before a space or the end, so 2.5 mg stays whole. */
const sentenceEnd = /[!?;。…]+|\.+(?=\s|$)/u;
/**
 * After a sentence's end, or after a comma or colon between Chinese characters (after NFKC, ， and ： are ASCII),
 * or after an English question's comma when a second question follows it ("do i need to stop my insulin before
 * joining, can i just stop it" asks what the study requires, then for a decision).
 */
const partEnd =
  /(?<=[!?;。…]|\.(?=\s|$)|\p{Script=Han}\s?[,、:](?=\s?\p{Script=Han})|(?:^|[.!?;]\s*)(?:do|does|did|can|could|should|shall|will|would|is|are|am|may|must|what|how|when|which|who|why)\b[^,.!?;]*,(?=\s?(?:(?:and|but|so) )?(?:can|could|should|shall|may|must|is it|would it|do|does) (?:i|he|she|we|they|you|my \w+)\b))/u;
/**
 * A Chinese clause that only sets the scene for the next one is no clause of its own: a condition
 * (如果我退出研究，…, 研究期间如果副作用太大，…) or a time (参加研究之后，…, 入组前，…) belongs with the question that follows it.
 */
const framingClause = /^\s*(?:若|等到?)|(?:如果|假如|假设|要是|万一|一旦)|(?:之后|以后|后|之前|以前|前|的话|的时候|时|期间)\s?[,、:]$/u;

/** The message's sentences and Chinese clauses, each with its closing punctuation, so that joined they give the text back. */
function partsOf(text: string): string[] {
  const parts: string[] = [];
  let framing = '';
  for (const piece of text.split(partEnd)) {
    const part = framing + piece;
    framing = /[,、:]$/u.test(part) && framingClause.test(part) ? part : '';
    if (!framing && part.trim() !== '') parts.push(part);
  }
  if (framing.trim() !== '') parts.push(framing);
  return parts;
}

interface Matcher {
  /** Whether the list matches `text`; `hits`: the literals of the detector's index found in it (or in a text it is part of). */
  test(text: string, hits: LiteralHits): boolean;
}

/**
 * The patterns of a list, split by script: those written with Chinese characters are tried only on text with
 * Chinese in it, the others only on text with Latin letters (or with neither). A pattern with a Chinese and an
 * English part ("who decides|谁决定") is in both halves. Within a half, only the patterns whose literals the
 * text holds run (pattern-prefilter.ts).
 */
function scriptUnion(index: LiteralIndex, sources: readonly string[], fill: (source: string) => string, analyse: PatternAnalysis): Matcher {
  const englishToo = (source: string) => /[a-z]{3,}/i.test(source.replaceAll(medicinePlaceholder, '').replaceAll(personPlaceholder, '').replace(/\\[a-z]/gi, ''));
  const gated = (list: readonly string[]) => (list.length === 0 ? undefined : new GatedPatternList(index, list.map(fill), 'iu', analyse));
  const chinese = gated(sources.filter((source) => hanCharacter.test(source)));
  const other = gated(sources.filter((source) => !hanCharacter.test(source) || englishToo(source)));
  return {
    test(text: string, hits: LiteralHits): boolean {
      const hasHan = hanCharacter.test(text);
      if (chinese && hasHan && chinese.test(text, hits)) return true;
      return Boolean(other && (!hasHan || latinLetter.test(text)) && other.test(text, hits));
    },
  };
}

/**
 * Builds a detector from a lexicon; the regular expressions are compiled here, once (and a union of the few
 * patterns a message may match when first needed). `options.cacheDir` keeps what the patterns require
 * between starts (pattern-prefilter.ts).
 */
export function createMedicalDecisionDetector(lexicon: MedicalDecisionLexicon, foldChinese: (text: string) => string, options: PatternCacheOptions = {}): (text: string) => boolean {
  const medicine = lexicon.medicineWords.join('|');
  const person = lexicon.personWords.join('|');
  const fill = (source: string) => source.replaceAll(medicinePlaceholder, medicine).replaceAll(personPlaceholder, `(?:${person})`);
  const everyList = [lexicon.patterns, lexicon.notDecisions, lexicon.alwaysDecisions, ...Object.values(lexicon.concepts)];
  const stored = storedPatternLiterals(options, 'medical-decision-patterns', everyList.flat().map((source) => [fill(source), 'iu'] as const));
  const index = new LiteralIndex();
  const union = (sources: readonly string[]) => scriptUnion(index, sources, fill, stored.analyse);
  const decision = union(lexicon.patterns);
  const studyQuestion = union(lexicon.notDecisions);
  const alwaysDecision = union(lexicon.alwaysDecisions);
  const concepts = new Map(Object.entries(lexicon.concepts).map(([name, sources]) => [name, union(sources)]));
  const conceptNamed = (name: string): Matcher => {
    const found = concepts.get(name);
    if (!found) throw new Error(`medical-decision lexicon: a combination names unknown concept "${name}"`);
    return found;
  };
  stored.save();
  const combinations = lexicon.combinations.map((combination) => ({ all: combination.all.map(conceptNamed), none: (combination.none ?? []).map(conceptNamed) }));
  // A sentence's literals are among its text's, so the text's hits can rule a pattern out for each sentence.
  const inOneSentence = (sentence: string, hits: LiteralHits) =>
    combinations.some((combination) => combination.all.every((concept) => concept.test(sentence, hits)) && !combination.none.some((concept) => concept.test(sentence, hits)));
  const asksForDecision = (text: string, hits: LiteralHits) => decision.test(text, hits) || text.split(sentenceEnd).some((sentence) => inOneSentence(sentence, hits));
  const asks = new RegExp(lexicon.asks.map((source) => `(?:${source})`).join('|'), 'iu');
  return (text: string): boolean => {
    const normalized = normalizeAndFold(text, foldChinese);
    const hits = index.scan(normalized);
    if (alwaysDecision.test(normalized, hits)) return true;
    if (!studyQuestion.test(normalized, hits)) return asksForDecision(normalized, hits);
    // A study question cancels a decision only in its own sentence or clause: the rest is read without it,
    // when the rest still asks something ("I'd like to join the study. Should I stop my blood pressure pills?").
    const parts = partsOf(normalized);
    const rest = parts.filter((part) => !studyQuestion.test(part, hits));
    // A study question that no single part holds (it spans them) speaks for the whole message.
    if (rest.length === parts.length || rest.length === 0) return false;
    const remaining = rest.join('');
    return asks.test(remaining) && asksForDecision(remaining, index.scan(remaining));
  };
}

/** What the patterns require is stored with the learned weights (dist/safety-cache), or nowhere when they are not stored. */
const patternCache = (rootDir: string, cacheDir?: string | false): PatternCacheOptions => ({ cacheDir: cacheDir ?? defaultSafetyCacheDir(rootDir) });

const readLexicon = (rootDir: string) => loadSafetyFile(medicalDecisionLexiconSchema, safetyContentDir(rootDir), 'medical-decision-lexicon.json');

/** The lexicon alone (the classifier is trained beside it, and the evaluation reports both). */
export function loadMedicalDecisionLexiconDetector(rootDir: string = projectRoot): (text: string) => boolean {
  return createMedicalDecisionDetector(readLexicon(rootDir), loadChineseFolder(rootDir), patternCache(rootDir));
}

/** The learned classifier over this root's lexicon settings and training files (decision-classifier.ts). */
export function loadMedicalDecisionClassifier(rootDir: string = projectRoot, options: DecisionClassifierOptions = {}): DecisionClassifier {
  const lexicon = readLexicon(rootDir);
  // Asked only while training: with stored weights, the patterns are never built.
  let byLexicon: ((text: string) => boolean) | undefined;
  const isLexiconDecision = (text: string) => (byLexicon ??= createMedicalDecisionDetector(lexicon, loadChineseFolder(rootDir), patternCache(rootDir, options.cacheDir)))(text);
  return loadDecisionClassifier(rootDir, lexicon.classifier, isLexiconDecision, options);
}

/**
 * The check the bot runs: the lexicon, plus the learned classifier (decision-classifier.ts), which can add a
 * deflection above its calibrated threshold and never removes one.
 */
export function loadMedicalDecisionDetector(rootDir: string = projectRoot, options: DecisionClassifierOptions = {}): (text: string) => boolean {
  const lexicon = readLexicon(rootDir);
  const byLexicon = createMedicalDecisionDetector(lexicon, loadChineseFolder(rootDir), patternCache(rootDir, options.cacheDir));
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
