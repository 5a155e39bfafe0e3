/**
 * Scores the recognizer on a labelled set. Shared by `npm run eval:nlu` and the accuracy test so both count the
 * same way: a labelled question is right only when recognised confidently as its intent; an out-of-scope one
 * (intent null) is right only when not confident.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Locale } from '../i18n/locales';
import type { QuestionRecognizer, Recognition } from './question-recognizer';

const labelledSetSchema = z.array(z.strictObject({ text: z.string().min(1), intent: z.string().min(1).nullable() })).min(1);
export type LabelledQuestion = z.infer<typeof labelledSetSchema>[number];

export interface Miss {
  text: string;
  expected: string | null;
  recognition: Recognition;
}

export interface EvaluationResult {
  locale: Locale;
  total: number;
  correct: number;
  accuracy: number;
  inScope: { total: number; correct: number };
  outOfScope: { total: number; correct: number };
  misses: Miss[];
}

export function evaluationSetPath(rootDir: string, locale: Locale): string {
  return path.join(rootDir, 'tests', 'fixtures', 'nlu', `${locale}.json`);
}

export function parseEvaluationSet(raw: unknown): LabelledQuestion[] {
  return labelledSetSchema.parse(raw);
}

export function loadEvaluationSet(rootDir: string, locale: Locale): LabelledQuestion[] {
  return parseEvaluationSet(JSON.parse(fs.readFileSync(evaluationSetPath(rootDir, locale), 'utf8')) as unknown);
}

export function isCorrect(expected: string | null, recognition: Recognition): boolean {
  if (expected === null) return !recognition.confident;
  return recognition.confident && recognition.intent === expected;
}

export function evaluate(recognizer: QuestionRecognizer, locale: Locale, items: readonly LabelledQuestion[]): EvaluationResult {
  const inScope = { total: 0, correct: 0 };
  const outOfScope = { total: 0, correct: 0 };
  const misses: Miss[] = [];
  for (const item of items) {
    const recognition = recognizer.recognize(item.text, locale);
    const bucket = item.intent === null ? outOfScope : inScope;
    bucket.total += 1;
    if (isCorrect(item.intent, recognition)) bucket.correct += 1;
    else misses.push({ text: item.text, expected: item.intent, recognition });
  }
  const total = inScope.total + outOfScope.total;
  const correct = inScope.correct + outOfScope.correct;
  return { locale, total, correct, accuracy: total === 0 ? 0 : correct / total, inScope, outOfScope, misses };
}
