import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EmergencyDetector, EmergencyMatch } from './emergency-detector';

const redFlagCase = z.strictObject({
  text: z.string().min(1),
  expect: z.enum(['emergency', 'none']),
  category: z.string(),
  variant: z.enum(['en', 'zh-CN', 'zh-HK', 'zh-TW']),
});
const decisionCase = z.strictObject({
  text: z.string().min(1),
  expect: z.enum(['decision', 'study-question']),
  variant: z.enum(['en', 'zh-CN', 'zh-HK', 'zh-TW']),
});

export type RedFlagCase = z.infer<typeof redFlagCase>;
export type DecisionCase = z.infer<typeof decisionCase>;
export type LanguageFamily = 'en' | 'zh';

export interface SafetySet<T> {
  readonly files: { name: string; sha256: string }[];
  readonly cases: (T & { family: LanguageFamily; file: string })[];
}

/** Reads every `<prefix>*.json` of a fixture folder (blind or tuning), with each file's hash. */
function loadSet<T extends { variant: string }>(folder: string, prefix: string, schema: z.ZodType<T>): SafetySet<T> {
  const names = readdirSync(folder).filter((name) => name.startsWith(prefix) && name.endsWith('.json')).sort();
  const files: SafetySet<T>['files'] = [];
  const cases: SafetySet<T>['cases'] = [];
  for (const name of names) {
    const raw = readFileSync(path.join(folder, name));
    files.push({ name, sha256: createHash('sha256').update(raw).digest('hex') });
    for (const item of z.array(schema).parse(JSON.parse(raw.toString('utf8')))) cases.push({ ...item, family: item.variant === 'en' ? 'en' : 'zh', file: name });
  }
  return { files, cases };
}

export const loadRedFlagSet = (folder: string) => loadSet(folder, 'red-flags', redFlagCase);
export const loadDecisionSet = (folder: string) => loadSet(folder, 'medical-decision', decisionCase);

export interface RedFlagScore {
  readonly family: LanguageFamily;
  readonly emergencies: number;
  readonly caught: number;
  /** Emergencies answered only with the short "if this is happening now" line. */
  readonly caughtShort: number;
  readonly lookAlikes: number;
  readonly falseAlarms: number;
  readonly misses: (RedFlagCase & { got?: EmergencyMatch })[];
  readonly wrongAlarms: (RedFlagCase & { got?: EmergencyMatch })[];
}

/**
 * Scores what the safety net answers: the detector's sign, or else (`asksAboutUrgentCare`) the short "if this is
 * happening now" line for a question about urgent care with no sign named.
 */
export function scoreRedFlags(detector: EmergencyDetector, set: SafetySet<RedFlagCase>, family: LanguageFamily, asksAboutUrgentCare: (text: string) => boolean = () => false): RedFlagScore {
  const cases = set.cases.filter((item) => item.family === family);
  const misses: RedFlagScore['misses'] = [];
  const wrongAlarms: RedFlagScore['wrongAlarms'] = [];
  let caught = 0;
  let caughtShort = 0;
  let falseAlarms = 0;
  for (const item of cases) {
    const got = detector(item.text);
    const shortLine = !got && asksAboutUrgentCare(item.text);
    if (item.expect === 'emergency') {
      if (!got && !shortLine) misses.push(item);
      else {
        caught += 1;
        if (shortLine || got?.certainty === 'unclear') caughtShort += 1;
      }
    } else if (got || shortLine) {
      falseAlarms += 1;
      wrongAlarms.push({ ...item, got });
    }
  }
  const emergencies = cases.filter((item) => item.expect === 'emergency').length;
  return { family, emergencies, caught, caughtShort, lookAlikes: cases.length - emergencies, falseAlarms, misses, wrongAlarms };
}

export interface DecisionScore {
  readonly family: LanguageFamily;
  readonly decisions: number;
  readonly deflected: number;
  readonly studyQuestions: number;
  readonly wronglyDeflected: number;
  readonly misses: DecisionCase[];
  readonly wrong: DecisionCase[];
}

export function scoreDecisions(isDecision: (text: string) => boolean, set: SafetySet<DecisionCase>, family: LanguageFamily): DecisionScore {
  const cases = set.cases.filter((item) => item.family === family);
  const misses = cases.filter((item) => item.expect === 'decision' && !isDecision(item.text));
  const wrong = cases.filter((item) => item.expect === 'study-question' && isDecision(item.text));
  const decisions = cases.filter((item) => item.expect === 'decision').length;
  return { family, decisions, deflected: decisions - misses.length, studyQuestions: cases.length - decisions, wronglyDeflected: wrong.length, misses, wrong };
}
