import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../config/load-config';
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
const patternList = z.array(pattern);

/** One list per shipped locale, so a reviewer for each language can see exactly what is matched. */
const perLanguage = z.strictObject({
  $comment: z.string().optional(),
  en: patternList,
  'zh-Hans': patternList,
  'zh-Hant': patternList,
});

export const emergencyLexiconSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  categories: z.record(z.enum(emergencyCategories), perLanguage),
  context: z.strictObject({
    negationBefore: perLanguage,
    resolvedAfter: perLanguage,
    hypotheticalBefore: perLanguage,
    pastAnywhere: perLanguage,
    mention: perLanguage,
    reportBefore: perLanguage,
    reportAfter: perLanguage,
    reportAnywhere: perLanguage,
    urgentNow: perLanguage,
  }),
});

export type EmergencyLexicon = z.infer<typeof emergencyLexiconSchema>;
export type PatternsByLanguage = z.infer<typeof perLanguage>;

/** `{{medicine}}` stands for the medicine-word alternation, so a pattern is checked with it filled in. */
export const medicinePlaceholder = '{{medicine}}';
const decisionPattern = z
  .string()
  .min(1)
  .refine((source) => compiles(source.replaceAll(medicinePlaceholder, '(?:medicine)')), { message: 'is not a valid regular expression' });
const decisionPatternList = z.array(decisionPattern);

export const medicalDecisionLexiconSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  medicineWords: z.strictObject({ en: patternList, 'zh-Hans': patternList, 'zh-Hant': patternList }),
  patterns: z.strictObject({ en: decisionPatternList, 'zh-Hans': decisionPatternList, 'zh-Hant': decisionPatternList }),
});

export type MedicalDecisionLexicon = z.infer<typeof medicalDecisionLexiconSchema>;

export const safetyContentDir = path.join(projectRoot, 'content', 'safety');

/** Reads and validates one lexicon; a bad file stops startup with the file name and each problem. */
export function loadLexicon<T>(schema: z.ZodType<T>, fileName: string, folder = safetyContentDir): T {
  const file = path.join(folder, fileName);
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid safety lexicon ${file}:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
