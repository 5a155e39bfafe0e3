import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { supportedLocales } from '../../src/i18n/locales';
import { evaluate, loadEvaluationSet } from '../../src/nlu/evaluate';
import { loadKnownIntents, loadLocaleNluData, missingIntents } from '../../src/nlu/nlu-data';
import { createQuestionRecognizer, type QuestionRecognizer } from '../../src/nlu/question-recognizer';
import { createTokenizer } from '../../src/nlu/tokenize';

const rootDir = path.resolve(__dirname, '..', '..');
const knownIntents = loadKnownIntents(rootDir);
let recognizer: QuestionRecognizer;

beforeAll(() => {
  recognizer = createQuestionRecognizer(rootDir);
});

/** Text identity, ignoring case, width, punctuation and spacing: what "the same question" means for held-out data. */
function surface(text: string, normalise: (text: string) => string): string {
  return normalise(text).replace(/[^\p{L}\p{N}]+/gu, '');
}

describe.each(supportedLocales)('question recognizer, %s', (locale) => {
  const items = loadEvaluationSet(rootDir, locale);
  const data = loadLocaleNluData(rootDir, locale, knownIntents);

  it('has a held-out set of at least 150 questions, with out-of-scope ones, labelled with known intents', () => {
    expect(items.length).toBeGreaterThanOrEqual(150);
    expect(items.filter((item) => item.intent === null).length).toBeGreaterThanOrEqual(10);
    const unknown = items.filter((item) => item.intent !== null && !knownIntents.includes(item.intent));
    expect(unknown).toEqual([]);
  });

  it('keeps the evaluation questions out of the training data', () => {
    const tokenizer = createTokenizer(data);
    const normalise = (text: string): string => tokenizer.normalise(text);
    const training = new Set([...Object.values(data.intents).flat(), ...data.outOfScope, ...(data.smallTalk ?? [])].map((text) => surface(text, normalise)));
    const heldOut = [...items, ...loadEvaluationSet(rootDir, locale, 'fresh'), ...loadEvaluationSet(rootDir, locale, 'blind')];
    const leaked = heldOut.filter((item) => training.has(surface(item.text, normalise))).map((item) => item.text);
    expect(leaked).toEqual([]);
  });

  it('has training utterances for every intent', () => {
    expect(missingIntents(data, knownIntents)).toEqual([]);
  });

  it('recognises at least 90% of the tuning questions, with at most 2% wrong confident answers', () => {
    const result = evaluate(recognizer, locale, items);
    const misses = result.misses.map((miss) => `${miss.text} -> ${miss.recognition.intent ?? '-'} (expected ${miss.expected ?? 'not confident'})`);
    expect(result.total).toBe(items.length);
    expect(result.accuracy, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(result.wrongConfident / result.total).toBeLessThanOrEqual(0.02);
  });

  it('has at least 40 training utterances for every intent (the issue asks this of each language family)', () => {
    const thin = Object.entries(data.intents).filter(([, utterances]) => utterances.length < 40).map(([intent]) => intent);
    expect(thin).toEqual([]);
  });
});

describe('question recognizer on conversation-like messages', () => {
  const cases: { text: string; locale: (typeof supportedLocales)[number]; accept: string[] }[] = [
    { text: '我想了解副作用', locale: 'zh-Hans', accept: ['side-effects'] },
    { text: 'does apatinib cause bleeding?', locale: 'en', accept: ['side-effects-apatinib', 'bleeding-risk'] },
    { text: 'can my dad join', locale: 'en', accept: ['precheck'] },
    { text: '我阿媽可唔可以參加', locale: 'zh-Hant', accept: ['precheck'] },
    { text: 'what is the status of my referral TG-7Q2WX', locale: 'en', accept: ['check-referral'] },
    { text: 'talk to a person', locale: 'zh-Hans', accept: ['handoff'] },
    { text: '阿帕替尼有什么副作用', locale: 'en', accept: ['side-effects-apatinib'] },
  ];

  it.each(cases)('"$text" ($locale) -> $accept', ({ text, locale, accept }) => {
    const recognition = recognizer.recognize(text, locale);
    expect(recognition.confident).toBe(true);
    expect(accept).toContain(recognition.intent);
    expect(recognition.alternatives[0]).toBe(recognition.intent);
  });

  it.each(['hello', 'thanks', "what's the weather", 'asdf', '', '   ', '？？'])('%j is never a confident topic', (text) => {
    for (const locale of supportedLocales) {
      const recognition = recognizer.recognize(text, locale);
      expect(recognition.confident && recognition.kind === 'intent').toBe(false);
    }
  });

  it.each([
    ['hi there', 'en', 'smallTalk'],
    ['thank you so much', 'en', 'smallTalk'],
    ['谢谢你', 'zh-Hans', 'smallTalk'],
    ['唔該晒', 'zh-Hant', 'smallTalk'],
    ["what's the weather like tomorrow", 'en', 'outOfScope'],
    ['今天天气怎么样', 'zh-Hans', 'outOfScope'],
  ] as const)('"%s" (%s) is %s', (text, locale, kind) => {
    expect(recognizer.recognize(text, locale).kind).toBe(kind);
  });

  it('offers up to three closest intents when unsure', () => {
    const recognition = recognizer.recognize('medicine', 'en');
    expect(recognition.alternatives.length).toBeGreaterThan(0);
    expect(recognition.alternatives.length).toBeLessThanOrEqual(3);
    expect(new Set(recognition.alternatives).size).toBe(recognition.alternatives.length);
  });
});
