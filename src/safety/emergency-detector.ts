import path from 'node:path';
import { projectRoot } from '../config/load-config';
import { type EmergencyCategory, emergencyCategories } from './emergency-categories';
import { loadChineseFolder } from '../i18n/fold-chinese';
import { type RedFlagClassifier, type RedFlagClassifierOptions, loadRedFlagClassifier, redFlagClassifierSettingsSchema } from './red-flag-classifier';
import { type RedFlagLexicon, type RedFlagSign, loadSafetyFile, redFlagLexiconSchema } from './red-flag-lexicon';
import { defaultSafetyCacheDir } from './learned-safety-model';
import { GatedPatternList, type LiteralHits, LiteralIndex, type PatternLiteralOptions, storedPatternLiterals } from './pattern-prefilter';
import { normalizeAndFold } from './text-normalizer';

export { type EmergencyCategory, emergencyCategories } from './emergency-categories';

/**
 * `now`: answer as an emergency. `unclear`: the sign is there but the words do not say it is happening
 * now (a plain nosebleed, "yesterday"): answer with the short "if this is happening now, call" line.
 */
export type EmergencyCertainty = 'now' | 'unclear';

export interface EmergencyMatch {
  readonly category: EmergencyCategory;
  readonly certainty: EmergencyCertainty;
}

export type EmergencyDetector = (text: string) => EmergencyMatch | undefined;

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Sentence ends (a '.' inside a number such as 38.5 is not one); clause breaks inside sentences. Shared with the doubt tier's gate (red-flag-classifier.ts). */
export const sentenceBreak = /[!?;。！？；\n]+|\.(?!\d)/gu;
export const clauseBreak = /[,，、:：]| - | but | however | though |但是|可是|然而/gu;

export function compile(sources: readonly string[], flags = 'iu', wrap: (source: string) => string = (source) => source): RegExp {
  return new RegExp(wrap(sources.map((source) => `(?:${source})`).join('|')), flags);
}

/**
 * The lexicon's urgency cues, compiled once for the sign detector and the doubt tier's gate alike: a cue read
 * "right before" a mention ends at it, one read "right after" starts at it.
 */
export function compileCues(cues: RedFlagLexicon['cues']) {
  const before = (source: string) => `(?:${source})$`;
  const after = (source: string) => `^(?:${source})`;
  return {
    negation: compile(cues.negation, 'iu', before),
    reportBefore: compile(cues.reportBefore, 'iu', before),
    reportAfter: compile(cues.reportAfter, 'iu', after),
    eventBefore: compile(cues.eventBefore, 'iu', before),
    continuesAfter: compile(cues.continuesAfter, 'iu', after),
    resolved: compile(cues.resolved),
    restarted: compile(cues.restarted),
    distantPast: compile(cues.distantPast),
    recentPast: compile(cues.recentPast),
    hypothetical: compile(cues.hypothetical),
    question: compile(cues.question),
    now: compile(cues.now),
    help: compile(cues.help),
    reportWrapper: compile(cues.reportWrapper),
    ongoing: compile(cues.ongoing),
    eligibility: compile(cues.eligibility),
  };
}

export function spans(text: string, breaks: RegExp): Span[] {
  const found: Span[] = [];
  let start = 0;
  for (const match of text.matchAll(breaks)) {
    if (match.index > start) found.push({ start, end: match.index });
    start = match.index + match[0].length;
  }
  if (start < text.length) found.push({ start, end: text.length });
  return found;
}

/** Where what each pattern requires is stored between starts, and whether the prefilter runs (pattern-prefilter.ts). */
export type PatternCacheOptions = PatternLiteralOptions;

interface CompiledSign extends RedFlagSign {
  readonly category: EmergencyCategory;
  readonly lowerOnHypothetical: boolean;
}

/**
 * Builds a detector from the lexicon. A sign is a combination of concepts (blood + "won't stop", blood +
 * neck) found in one sentence; context can only lower the urgency when the words clearly say the event is
 * over, denied, in the past, hypothetical or asked about — and "now" or a report of someone having it
 * outweighs all but denial and "it stopped". Every pattern is compiled here, once (and a union of the few a
 * sentence may match when first needed); `options.cacheDir` keeps what the patterns require between starts.
 */
export function createEmergencyDetector(lexicon: RedFlagLexicon, foldChinese: (text: string) => string, options: PatternCacheOptions = {}): EmergencyDetector {
  // Concepts are looked for in each sentence only when their literals are there (pattern-prefilter.ts); figures
  // of speech in the whole text before it is cut into sentences, so each has its own index.
  const stored = storedPatternLiterals(options, 'red-flag-patterns', [...Object.values(lexicon.concepts).flat(), ...lexicon.figurative].map((source) => [source, 'giu'] as const));
  const conceptIndex = new LiteralIndex();
  const concepts = new Map(Object.entries(lexicon.concepts).map(([name, sources]) => [name, new GatedPatternList(conceptIndex, sources, 'giu', stored.analyse)]));
  const figurativeIndex = new LiteralIndex();
  const figurative = new GatedPatternList(figurativeIndex, lexicon.figurative, 'giu', stored.analyse);
  stored.save();
  const signs: CompiledSign[] = emergencyCategories.flatMap((category) => {
    const { signs: entries, lowerOnHypothetical } = lexicon.categories[category];
    return entries.map((entry) => ({ ...entry, category, lowerOnHypothetical }));
  });
  const { negation, reportBefore, reportAfter, resolved, restarted, distantPast, recentPast, hypothetical, question, now, help, eventBefore, reportWrapper, continuesAfter, ongoing, eligibility } = compileCues(lexicon.cues);

  /**
   * A sentence's matches of each concept, found once however many signs name the concept; `mayMatch` says,
   * from the literals in the sentence alone, whether a concept can match there at all.
   */
  const conceptMatcher = (sentence: string) => {
    const found = new Map<string, Span[]>();
    let hits: LiteralHits | undefined;
    const matchesOf = (name: string): Span[] => {
      let spans = found.get(name);
      if (!spans) {
        spans = (concepts.get(name) as GatedPatternList).matches(sentence, (hits ??= conceptIndex.scan(sentence)));
        found.set(name, spans);
      }
      return spans;
    };
    const mayMatch = (name: string): boolean => (concepts.get(name) as GatedPatternList).mayMatch((hits ??= conceptIndex.scan(sentence)));
    return { matchesOf, mayMatch };
  };

  /** Each way the sign's concepts are named close together in the sentence (their own matches, in order). */
  const findSign = ({ matchesOf, mayMatch }: ReturnType<typeof conceptMatcher>, entry: CompiledSign): Span[][] => {
    // A concept of `all` that cannot match settles it before any pattern runs (`none` only ever removes a sign).
    if (!entry.all.every(mayMatch)) return [];
    if (entry.none?.some((name) => matchesOf(name).length > 0)) return [];
    const [first, ...others] = entry.all.map(matchesOf);
    if (!first?.length || others.some((list) => list.length === 0)) return [];
    const found: Span[][] = [];
    for (const anchor of first) {
      const parts = [anchor, ...others.map((list) => list.reduce((best, candidate) => (Math.abs(candidate.start - anchor.start) < Math.abs(best.start - anchor.start) ? candidate : best)))];
      const start = Math.min(...parts.map((part) => part.start));
      const end = Math.max(...parts.map((part) => part.end));
      if (end - start <= entry.within) found.push(parts.sort((a, b) => a.start - b.start));
    }
    return found;
  };

  const clauseAround = (sentence: string, at: number): Span => spans(sentence, clauseBreak).find((part) => part.start <= at && at < part.end) ?? { start: 0, end: sentence.length };

  const judge = (sentence: string, parts: Span[], entry: CompiledSign, nextSentence: string): EmergencyMatch | undefined => {
    const first = parts[0] as Span;
    const last = parts[parts.length - 1] as Span;
    // Denial right before any of the sign's words ("no blood", "没有出血") cancels it.
    const negated = parts.some((part, index) => {
      const from = Math.max(clauseAround(sentence, part.start).start, index > 0 ? (parts[index - 1] as Span).end : 0);
      return negation.test(sentence.slice(from, part.start).trim());
    });
    if (negated) return undefined;
    const after = sentence.slice(last.end);
    // The sign's own words ("won't stop", "一直") are no context for or against it; the words between them are.
    let rest = sentence;
    for (const part of parts) rest = `${rest.slice(0, part.start)}${' '.repeat(part.end - part.start)}${rest.slice(part.end)}`;
    // 'Resolved' is read after the sign's first word, its own words left out ("the bleeding stopped after ten
    // minutes"); 'started again' with them ("it went down but it's still pouring").
    if (resolved.test(rest.slice(first.end)) && !restarted.test(sentence.slice(first.end))) return undefined;
    const clause = clauseAround(sentence, first.start);
    const clauseText = sentence.slice(clause.start, Math.max(clause.end, last.end));
    const before = sentence.slice(clause.start, first.start).trim();
    const reported = reportBefore.test(before) || reportAfter.test(after.trimStart());
    // A live signal anywhere in the sentence, the sign's own words included, or the next sentence saying it goes
    // on: a history reading never cancels it ("he had a big bleed after radiotherapy, can't stop it").
    const live = ongoing.test(sentence) || continuesAfter.test(nextSentence);
    // The next sentence saying it goes on outweighs a question or an 'if'.
    const continues = continuesAfter.test(nextSentence);
    const present = now.test(rest) || eventBefore.test(before) || continues;
    const seekingHelp = help.test(rest);
    // Asking whether one can still join makes what it names history, its own words ('bled everywhere') included.
    if (eligibility.test(sentence) && !present) return undefined;
    if (distantPast.test(clauseText) && !present && !live) return undefined;
    if (entry.lowerOnHypothetical && hypothetical.test(clauseText) && !present) return undefined;
    // A question about a named person's event is still that event: the short reply, not none.
    const wrapped = reportWrapper.test(sentence.slice(0, first.start));
    if (question.test(rest) && !present && !seekingHelp && !reported && !wrapped) return undefined;
    if (entry.needsReport && !present && !seekingHelp && !reported && !wrapped) return undefined;
    const certainty = (recentPast.test(clauseText) || (wrapped && !reported)) && !present ? 'unclear' : entry.certainty;
    return { category: entry.category, certainty };
  };

  /** A sentence that, read alone, says what it names is over, history, an 'if', a question or about joining. */
  const lowersAlone = (sentence: string): boolean =>
    [resolved, distantPast, hypothetical, question, eligibility].some((cue) => cue.test(sentence));

  return (text: string): EmergencyMatch | undefined => {
    const folded = normalizeAndFold(text, foldChinese);
    const normalized = figurative.replace(folded, figurativeIndex.scan(folded), (words) => ' '.repeat(words.length));
    if (normalized.trim() === '') return undefined;
    let best: EmergencyMatch | undefined;
    const sentences = spans(normalized, sentenceBreak);
    const textOf = (span: Span | undefined) => (span ? normalized.slice(span.start, span.end).trimStart() : '');
    for (const [index, part] of sentences.entries()) {
      const own = normalized.slice(part.start, part.end);
      const nextSentence = textOf(sentences[index + 1]);
      // A next sentence saying it goes on ("It won't stop.") may complete a sign its own sentence only began ("my
      // husband had a bleed after radiotherapy"): the two are read as one when the first alone names no sign.
      const readings: (readonly [string, string, number?])[] = [[own, nextSentence]];
      if (nextSentence !== '' && continuesAfter.test(nextSentence)) readings.push([`${own}, ${nextSentence}`, textOf(sentences[index + 2])]);
      // A self-harm sign whose parts are in two adjacent sentences, intent in one and means or plan in the other ("I
      // see no point anymore. Taking all my tablets in one go tonight", 活着就是拖累。药我都准备好了): read as one
      // sentence, every cue of both counting, only when the sign has a part on each side of the break and neither
      // sentence is history, an 'if', a question, over or a question about joining (a 'now' in one never lifts the other).
      else if (nextSentence !== '' && ![own, nextSentence].some(lowersAlone)) readings.push([`${own}, ${nextSentence}`, textOf(sentences[index + 2]), own.length]);
      for (const [sentence, next, joinedAt] of readings) {
        const inSentence = conceptMatcher(sentence);
        const straddles = (parts: Span[], entry: CompiledSign) =>
          joinedAt === undefined || (entry.category === 'self-harm' && parts.some((part) => part.end <= joinedAt) && parts.some((part) => part.start > joinedAt));
        let named = false;
        for (const entry of signs) {
          if (best && (best.category === 'self-harm' || best.certainty === 'now') && entry.category !== 'self-harm') continue;
          let match: EmergencyMatch | undefined;
          for (const parts of findSign(inSentence, entry)) {
            if (!straddles(parts, entry)) continue;
            match = judge(sentence, parts, entry, next);
            if (match) break;
          }
          if (!match) continue;
          named = true;
          // Self-harm wins (its reply carries the crisis line and the emergency number); then certainty.
          if (!best || match.category === 'self-harm' || (best.certainty === 'unclear' && match.certainty === 'now')) best = match;
          if (best.category === 'self-harm') return best;
        }
        if (named) break;
      }
    }
    return best;
  };
}

/**
 * Whether a message asks about urgent care (an ambulance, emergency, the hospital now) without naming a sign —
 * a sign is the emergency detector's. Not when the words make it hypothetical, past or over ("if his blood
 * pressure goes over 200, should we go to A&E?", "last year we called an ambulance").
 */
export type UrgentCareCheck = (text: string) => boolean;

export function createUrgentCareCheck(lexicon: RedFlagLexicon, foldChinese: (text: string) => string, options: PatternCacheOptions = {}): UrgentCareCheck {
  const stored = storedPatternLiterals(options, 'urgent-care-patterns', lexicon.urgentCare.map((source) => [source, 'iu'] as const));
  const index = new LiteralIndex();
  const urgentCare = new GatedPatternList(index, lexicon.urgentCare, 'iu', stored.analyse);
  stored.save();
  const { distantPast, hypothetical, resolved } = lexicon.cues;
  const notNow = compile([...distantPast, ...hypothetical, ...resolved]);
  return (text: string) => {
    const normalized = normalizeAndFold(text, foldChinese);
    return urgentCare.test(normalized, index.scan(normalized)) && !notNow.test(normalized);
  };
}

export const safetyContentDir = (rootDir: string) => path.join(rootDir, 'content', 'safety');

/** What the patterns require is stored with the learned weights (dist/safety-cache), or nowhere when they are not stored. */
const patternCache = (rootDir: string, cacheDir: string | false | undefined): PatternCacheOptions => ({ cacheDir: cacheDir ?? defaultSafetyCacheDir(rootDir) });

function signsOf(rootDir: string, cacheDir?: string | false): EmergencyDetector {
  const lexicon = loadSafetyFile(redFlagLexiconSchema, safetyContentDir(rootDir), 'red-flags.json');
  return createEmergencyDetector(lexicon, loadChineseFolder(rootDir), patternCache(rootDir, cacheDir));
}

/** The detector over the shipped lexicon and Cantonese supplement of a project root. */
export function loadEmergencyDetector(rootDir: string = projectRoot): EmergencyDetector {
  return signsOf(rootDir);
}

/** The learned doubt tier (red-flag-classifier.ts) over this root's settings and training files, beside the patterns it never overrules. */
export function loadRedFlagDoubtTier(rootDir: string = projectRoot, options: RedFlagClassifierOptions = {}): RedFlagClassifier {
  const folder = safetyContentDir(rootDir);
  const lexicon = loadSafetyFile(redFlagLexiconSchema, folder, 'red-flags.json');
  const foldChinese = loadChineseFolder(rootDir);
  // Asked only while training: with stored weights, these patterns are never built.
  let answeredByPatterns: ((text: string) => boolean) | undefined;
  const answered = (text: string): boolean => {
    if (!answeredByPatterns) {
      const bySigns = createEmergencyDetector(lexicon, foldChinese, patternCache(rootDir, options.cacheDir));
      const asksAboutUrgentCare = createUrgentCareCheck(lexicon, foldChinese, patternCache(rootDir, options.cacheDir));
      answeredByPatterns = (message) => bySigns(message) !== undefined || asksAboutUrgentCare(message);
    }
    return answeredByPatterns(text);
  };
  const settings = loadSafetyFile(redFlagClassifierSettingsSchema, folder, 'red-flag-classifier.json');
  return loadRedFlagClassifier(rootDir, settings, answered, options);
}

/**
 * The net the bot runs: the signs of the lexicon, and only when they find nothing, the learned doubt tier,
 * which can add the short "if this is happening now" reply (certainty 'unclear') and nothing else.
 */
export function loadEmergencyNet(rootDir: string = projectRoot, options: RedFlagClassifierOptions = {}): EmergencyDetector {
  const bySigns = signsOf(rootDir, options.cacheDir);
  const tier = loadRedFlagDoubtTier(rootDir, options);
  return (text: string) => bySigns(text) ?? tier.doubt(text);
}

/** The urgent-care question check over the shipped lexicon of a project root. */
export function loadUrgentCareCheck(rootDir: string = projectRoot): UrgentCareCheck {
  return createUrgentCareCheck(loadSafetyFile(redFlagLexiconSchema, safetyContentDir(rootDir), 'red-flags.json'), loadChineseFolder(rootDir), patternCache(rootDir, undefined));
}

let defaultUrgentCareCheck: UrgentCareCheck | undefined;

/** Whether a message with no emergency sign asks whether to call an ambulance or go to emergency now. */
export function asksAboutUrgentCare(text: string): boolean {
  defaultUrgentCareCheck ??= loadUrgentCareCheck();
  return defaultUrgentCareCheck(text);
}

let defaultDetector: EmergencyDetector | undefined;

/**
 * Whether a message reports an emergency sign, and which; undefined when it only mentions one. The bot's net:
 * the patterns, then the learned doubt tier (loadEmergencyNet).
 */
export function detectEmergency(text: string): EmergencyMatch | undefined {
  defaultDetector ??= loadEmergencyNet();
  return defaultDetector(text);
}
