import { z } from 'zod';
import { contentFile, readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';
import { loadChineseFolder } from '../../src/i18n/fold-chinese';
import { normaliseForMatch } from './text-normalise';

export type YesNoUnsure = 'yes' | 'no' | 'unsure';

/** content/natural-answers.json: yes / no / not sure in people's own words. */
export const naturalAnswersFile = contentFile('content/natural-answers.json', z.object({
  zh: z.object({
    verbs: z.array(z.string().min(1)).min(1),
    negations: z.array(z.string().min(1)).min(1),
    hedges: z.array(z.string().min(1)).min(1),
    particles: z.array(z.string().min(1)),
    subjects: z.array(z.string().min(1)),
    maxObjectLength: z.number().int().min(0),
  }),
  en: z.object({ yes: z.array(z.string().min(1)), no: z.array(z.string().min(1)), unsure: z.array(z.string().min(1)) }),
  byQuestion: z.record(z.string(), z.union([z.string(), z.object({ yes: z.array(z.string().min(1)), no: z.array(z.string().min(1)) })])),
}));

const data = readContentFile(projectRoot, naturalAnswersFile);
const foldChinese = loadChineseFolder(projectRoot, { phrases: false });

const alternation = (words: readonly string[]) => [...words].sort((a, b) => b.length - a.length).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const particles = new RegExp(`(?:${alternation(data.zh.particles)})+$`, 'u');
const subject = `(?:${alternation(data.zh.subjects)})?`;
const hedge = new RegExp(`^${subject}(?:${alternation(data.zh.hedges)})`, 'u');
const object = `\\p{Script=Han}{0,${data.zh.maxObjectLength}}`;
const negated = new RegExp(`^${subject}(?:${alternation(data.zh.negations)})(?:${alternation(data.zh.verbs)})(?:过)?${object}$`, 'u');
const affirmed = new RegExp(`^${subject}(?:${alternation(data.zh.verbs)})(?:过)?${object}$`, 'u');
/** Question words: "是什么", "可以吗" ask, they do not answer. */
const asks = /[吗么呢什哪谁几怎啥咩乜边]/u;

const englishPhrases = new Map<string, YesNoUnsure>();
for (const value of ['yes', 'no', 'unsure'] as const) for (const phrase of data.en[value]) englishPhrases.set(normaliseForMatch(phrase), value);

/**
 * Yes / no / not sure from the person's own words: a Chinese answer that echoes the question's verb ("能",
 * "可以的", "没用过", "唔係", "有吃过"), a hedge ("好像有", "记不清") or an English phrase from the data
 * ("it stopped working", "dunno"). Undefined when the words are something else.
 */
export function naturalYesNo(text: string): YesNoUnsure | undefined {
  const english = englishPhrases.get(normaliseForMatch(text.replace(/[’‘]/gu, "'")));
  if (english) return english;
  const chinese = normaliseForMatch(foldChinese(text)).replace(particles, '');
  if (!/^\p{Script=Han}+$/u.test(chinese) || asks.test(chinese)) return undefined;
  if (hedge.test(chinese)) return 'unsure';
  if (negated.test(chinese)) return 'no';
  if (affirmed.test(chinese)) return 'yes';
  return undefined;
}

/**
 * Each question's own phrases, folded to Simplified. Built at the first answer, not at import: folding loads
 * OpenCC's dictionaries (about 0.1 s), which a start to /healthz need not wait for (issue 11, cold start).
 */
let byQuestion: Map<string, Map<string, YesNoUnsure>> | undefined;
function phrasesByQuestion(): Map<string, Map<string, YesNoUnsure>> {
  if (byQuestion) return byQuestion;
  byQuestion = new Map();
  for (const [questionId, answers] of Object.entries(data.byQuestion)) {
    if (typeof answers === 'string') continue;
    const phrases = new Map<string, YesNoUnsure>();
    for (const value of ['yes', 'no'] as const) for (const phrase of answers[value]) phrases.set(normaliseForMatch(foldChinese(phrase)).replace(particles, ''), value);
    byQuestion.set(questionId, phrases);
  }
  return byQuestion;
}

/** Question ids with answers of their own (registered as prompts of their own by the pre-check). */
export const questionsWithOwnAnswers: readonly string[] = Object.entries(data.byQuestion).flatMap(([questionId, answers]) => (typeof answers === 'string' ? [] : [questionId]));

/** Yes / no for one question in that question's own words ("it stopped working" to "did it grow?"), if any. */
export function questionYesNo(questionId: string, text: string): YesNoUnsure | undefined {
  return phrasesByQuestion().get(questionId)?.get(normaliseForMatch(foldChinese(text.replace(/[’‘]/gu, "'"))).replace(particles, ''));
}
