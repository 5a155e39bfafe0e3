import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../content/content-files';
import { emergencyCategories } from './emergency-categories';

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

const pattern = z.string().min(1).refine(compiles, { message: 'is not a valid regular expression' });
const patternList = z.array(pattern).min(1);

/**
 * One way a category shows itself: every concept in `all` named in one sentence, close together, and none
 * of `none` in that sentence. `unclear` signs get the short "if this is happening now" reply; `needsReport`
 * signs count only when the sentence reports them as happening (a subject, "now", an aspect marker).
 */
const sign = z.strictObject({
  all: z.array(z.string()).min(1),
  none: z.array(z.string()).optional(),
  certainty: z.enum(['now', 'unclear']).default('now'),
  needsReport: z.boolean().default(false),
  /** Most characters the concepts may spread over. */
  within: z.number().int().positive().default(60),
});

/**
 * What can only lower the urgency, and only when the text clearly says so (negation right before the sign,
 * resolved after it, the past, a hypothetical, a question about risk or joining) — and what overrides
 * the lowering ones but negation and "resolved" (now, a report of someone having it).
 */
const cues = z.strictObject({
  negation: patternList,
  resolved: patternList,
  restarted: patternList,
  distantPast: patternList,
  recentPast: patternList,
  hypothetical: patternList,
  question: patternList,
  /** Happening now: "right now", "正在", aspect markers. Outweighs every lowering cue but denial and "stopped". */
  now: patternList,
  /** Seeking urgent help (ambulance, 120): outweighs a question, not a hypothetical or the distant past. */
  help: patternList,
  reportBefore: patternList,
  reportAfter: patternList,
  /** Right before the sign, an event that has just happened ("he just blacked out", 刚): counts as now. */
  eventBefore: patternList,
  /**
   * A question wrapped around a named person's event ("is it normal that my dad said goodbye to everyone?"):
   * not lowered by the question, answered with the short "if this is happening now" reply.
   */
  reportWrapper: patternList,
  /**
   * At the start of the NEXT sentence, words saying the sign goes on ("…on apatinib? it's still going",
   * "…正常吗？现在还在流"): the sign counts as now, as if they were in its own sentence.
   */
  continuesAfter: patternList,
  /**
   * Anywhere in the sentence, the sign's own words included: it is going on ("can't stop it", "still", "soaked",
   * "spurting", 止不住, 一直在流). Outweighs a history reading (distantPast), never a denial, "stopped" or an 'if'.
   */
  ongoing: patternList,
  /**
   * Anywhere in the sentence, a question about joining the study ("can he still take part", 还能参加吗): what it
   * names is history for eligibility, unless the sentence says now or that it goes on.
   */
  eligibility: patternList,
});

export const redFlagLexiconSchema = z
  .strictObject({
    $comment: z.array(z.string()).optional(),
    /** Figures of speech masked before matching (心在滴血, "my heart bleeds"). */
    figurative: patternList,
    /** Concept name -> patterns; English and Simplified Chinese (other Chinese is folded to it first). */
    concepts: z.record(z.string(), patternList),
    categories: z.record(
      z.enum(emergencyCategories),
      // Self-harm is often said as a conditional ("if I were gone…"): it is not lowered by one.
      z.strictObject({ signs: z.array(sign).min(1), lowerOnHypothetical: z.boolean().default(true) }),
    ),
    cues,
    /**
     * Asking whether to call an ambulance or go to emergency / hospital now, with no sign named ("should I call an
     * ambulance?", 要不要送医院): the short "if this is happening now" line, then the turn goes on.
     */
    urgentCare: patternList,
  })
  .superRefine((lexicon, context) => {
    for (const category of emergencyCategories) {
      if (!lexicon.categories[category]) context.addIssue({ code: 'custom', path: ['categories', category], message: 'is missing' });
    }
    for (const [category, { signs }] of Object.entries(lexicon.categories)) {
      signs.forEach((entry, index) => {
        for (const name of [...entry.all, ...(entry.none ?? [])]) {
          if (!lexicon.concepts[name]) context.addIssue({ code: 'custom', path: ['categories', category, 'signs', index], message: `names unknown concept "${name}"` });
        }
      });
    }
  });

export type RedFlagLexicon = z.infer<typeof redFlagLexiconSchema>;
export type RedFlagSign = z.infer<typeof sign>;
export type RedFlagCues = z.infer<typeof cues>;

/**
 * Reads and validates one safety content file through the one content loader (src/content/content-files.ts); a
 * bad file stops startup with the file name and each problem.
 */
export function loadSafetyFile<T>(schema: z.ZodType<T>, folder: string, fileName: string): T {
  return readJsonFile(path.join(folder, fileName), schema);
}
