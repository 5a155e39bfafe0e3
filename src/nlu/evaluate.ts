/**
 * Scores the recognizer on a labelled set. Shared by `npm run eval:nlu` and the accuracy test so both count the
 * same way: a question labelled with an intent is right only when recognised confidently as that intent; one
 * labelled out of scope (null or "out-of-scope") or small talk is right when no intent is confidently given.
 * A WRONG confident answer (a confident intent that is not the label) is counted apart: it is the worst kind.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Locale } from '../i18n/locales';
import { outOfScopeLabel, type QuestionRecognizer, type Recognition, smallTalkLabel } from './question-recognizer';

const labelledSetSchema = z
  .array(z.strictObject({ text: z.string().min(1), intent: z.string().min(1).nullable(), variant: z.string().optional() }))
  .min(1);
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
  /** Confident answers with an intent other than the label. */
  wrongConfident: number;
  inScope: { total: number; correct: number };
  outOfScope: { total: number; correct: number };
  misses: Miss[];
}

export type EvaluationSetName = 'tuning' | 'fresh' | 'blind';

export function evaluationSetPath(rootDir: string, locale: Locale, set: EvaluationSetName = 'tuning'): string {
  const folder = set === 'tuning' ? [] : [set];
  return path.join(rootDir, 'tests', 'fixtures', 'nlu', ...folder, `${locale}.json`);
}

export function parseEvaluationSet(raw: unknown): LabelledQuestion[] {
  return labelledSetSchema.parse(raw);
}

export function loadEvaluationSet(rootDir: string, locale: Locale, set: EvaluationSetName = 'tuning'): LabelledQuestion[] {
  return parseEvaluationSet(JSON.parse(fs.readFileSync(evaluationSetPath(rootDir, locale, set), 'utf8')) as unknown);
}

export function evaluationSetHash(rootDir: string, locale: Locale, set: EvaluationSetName): string {
  return createHash('sha256').update(fs.readFileSync(evaluationSetPath(rootDir, locale, set))).digest('hex');
}

/** The intent a label asks for: null when no intent may be given (out of scope, small talk). */
export function expectedIntent(label: string | null): string | null {
  return label === null || label === outOfScopeLabel || label === smallTalkLabel ? null : label;
}

export function isCorrect(label: string | null, recognition: Recognition): boolean {
  const expected = expectedIntent(label);
  const confidentIntent = recognition.confident && recognition.kind === 'intent';
  if (expected === null) return !confidentIntent;
  return confidentIntent && recognition.intent === expected;
}

export function evaluate(recognizer: QuestionRecognizer, locale: Locale, items: readonly LabelledQuestion[]): EvaluationResult {
  const inScope = { total: 0, correct: 0 };
  const outOfScope = { total: 0, correct: 0 };
  const misses: Miss[] = [];
  let wrongConfident = 0;
  for (const item of items) {
    const recognition = recognizer.recognize(item.text, locale);
    const bucket = expectedIntent(item.intent) === null ? outOfScope : inScope;
    bucket.total += 1;
    if (isCorrect(item.intent, recognition)) bucket.correct += 1;
    else {
      misses.push({ text: item.text, expected: item.intent, recognition });
      if (recognition.confident && recognition.kind === 'intent') wrongConfident += 1;
    }
  }
  const total = inScope.total + outOfScope.total;
  const correct = inScope.correct + outOfScope.correct;
  return { locale, total, correct, accuracy: total === 0 ? 0 : correct / total, wrongConfident, inScope, outOfScope, misses };
}

/** Expected label -> recognised label -> count, for the misses: where the recognizer confuses topics. */
export function confusions(result: EvaluationResult): [string, number][] {
  const counts = new Map<string, number>();
  for (const miss of result.misses) {
    const got = miss.recognition.confident ? (miss.recognition.intent ?? miss.recognition.kind) : `unsure(${miss.recognition.intent ?? miss.recognition.kind})`;
    const key = `${miss.expected ?? 'out-of-scope'} -> ${got}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
