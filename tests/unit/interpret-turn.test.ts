import { describe, expect, it } from 'vitest';
import { parseBestTime, parseName } from '../../dialogs/handoff/contact-input';
import { createMedicineParser, createYesNoParser, parseAge, yesNoLexiconFrom } from '../../dialogs/precheck/answer-parsers';
import { precheckCriteria } from '../../dialogs/precheck/precheck-criteria';
import type { ChoiceItem } from '../../dialogs/shared/choices';
import { type Interpretation, interpretTurn, type OpenQuestion } from '../../dialogs/shared/interpret-turn';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { createQuestionRecognizer } from '../../src/nlu/question-recognizer';
import { detectMedicalDecisionRequest } from '../../src/safety/medical-decision-detector';

const i18n = createTranslator(projectRoot);
const recognizer = createQuestionRecognizer(projectRoot);
const services = { isMedicalDecisionRequest: detectMedicalDecisionRequest, recognizeQuestion: (text: string, locale: Locale) => recognizer.recognize(text, locale) };
const yesNo = createYesNoParser(yesNoLexiconFrom(i18n));
const medicine = createMedicineParser(precheckCriteria, yesNoLexiconFrom(i18n));

/** The kinds of open question a person can be looking at. */
function openQuestions(locale: Locale): Record<string, OpenQuestion> {
  const t = i18n.getFixedT(locale);
  const yesNoChoices: ChoiceItem[] = (['yes', 'no', 'unsure'] as const).map((value) => ({ value, label: t(`precheck:answer.${value}`), synonyms: t(`precheck:answer.${value}Synonyms`, { returnObjects: true }) as string[] }));
  const languageChoices: ChoiceItem[] = [
    { value: 'mandarin', label: t('handoff:language.mandarin'), synonyms: ['普通话', '普通話', 'mandarin'] },
    { value: 'cantonese', label: t('handoff:language.cantonese'), synonyms: ['粤语', '廣東話', 'cantonese'] },
  ];
  return {
    none: { kind: 'none' },
    yesNo: { kind: 'choice', choices: yesNoChoices, parse: (text) => yesNo(text) },
    age: { kind: 'choice', choices: [{ value: 'unsure', label: t('precheck:answer.unsure') }], parse: (text) => parseAge(text)?.toString() },
    callLanguage: { kind: 'choice', choices: languageChoices },
    medicine: { kind: 'choice', choices: [{ value: 'unsure', label: t('precheck:answer.unsure') }], parse: (text) => medicine(text) },
    bestTime: { kind: 'choice', choices: [{ value: 'any', label: t('handoff:bestTime.any') }], parse: (text) => parseBestTime(text) },
    name: { kind: 'freeText', parse: (text) => parseName(text) },
    askQuestion: { kind: 'question' },
  };
}

type Expected = Interpretation['kind'] | `answer:${string}` | `command:${string}` | `question:${string}` | `unclear:${string}`;
function summary(interpretation: Interpretation): string {
  switch (interpretation.kind) {
    case 'answer':
      return interpretation.followUp ? `answer:${interpretation.value}+${summary(interpretation.followUp.interpretation)}` : `answer:${interpretation.value}`;
    case 'command':
      return `command:${interpretation.command}`;
    case 'question':
      return `question:${interpretation.intent}`;
    case 'unclear':
      return `unclear:${interpretation.form}`;
    default:
      return interpretation.kind;
  }
}

/** message x kind of open question x locale -> interpretation: the precedence table, row by row. */
const table: [Locale, string, string, Expected][] = [
  // 1. a treatment decision beats everything, even at a yes/no question
  ['en', 'yesNo', 'should I stop my chemo?', 'medicalDecision'],
  ['zh-Hans', 'none', '我要不要停化疗？', 'medicalDecision'],
  ['zh-Hant', 'age', '我應唔應該停化療？', 'medicalDecision'],
  // 2. an exact answer beats a command: 普通话 answers "which language for the call?"
  ['zh-Hans', 'callLanguage', '普通话', 'answer:mandarin'],
  ['zh-Hant', 'callLanguage', '普通話', 'answer:mandarin'],
  // 3. a global command
  ['en', 'yesNo', 'menu', 'command:menu'],
  ['zh-Hans', 'age', '菜单', 'command:menu'],
  ['zh-Hant', 'none', '中文', 'command:switch-zh'],
  ['en', 'name', 'talk to a person', 'command:handoff'],
  // 4. an answer the open question accepts: numbers, synonyms, natural answers, ages in words
  ['en', 'yesNo', '2', 'answer:no'],
  ['en', 'yesNo', 'yep', 'answer:yes'],
  ['en', 'age', 'sixty-two', 'answer:62'],
  ['zh-Hans', 'yesNo', '能', 'answer:yes'],
  ['zh-Hans', 'yesNo', '没用过', 'answer:no'],
  ['zh-Hans', 'age', '六十二岁', 'answer:62'],
  ['zh-Hant', 'yesNo', '可以', 'answer:yes'],
  ['zh-Hant', 'yesNo', '好似係', 'answer:unsure'],
  ['en', 'name', 'Ms Chen', 'answer:Ms Chen'],
  ['en', 'yesNo', "can't remember", 'answer:unsure'],
  ['en', 'yesNo', 'who knows', 'answer:unsure'],
  ['zh-Hans', 'medicine', '用过卡瑞利珠单抗', 'answer:camrelizumab'],
  ['en', 'bestTime', 'after 6 pm', 'answer:after 6 pm'],
  // 4b. a short answer with a question after it: the answer counts (the question is answered too)
  ['en', 'yesNo', 'yes, but what are the side effects?', 'answer:yes+question:side-effects'],
  ['zh-Hant', 'yesNo', '係，但係有咩副作用？', 'answer:yes+question:side-effects'],
  // 4, the exception: a parser never reads a question ("what is PD-1?" is not "had one, name not known")
  ['en', 'medicine', 'what is PD-1?', 'question:term-pd-1'],
  ['zh-Hans', 'medicine', 'PD-1是什么？', 'question:term-pd-1'],
  ['en', 'bestTime', 'what are the side effects?', 'question:side-effects'],
  // 5. a question the recognizer is sure of (a free-text field does not swallow it)
  ['en', 'yesNo', 'what are the side effects of apatinib?', 'question:side-effects-apatinib'],
  ['en', 'name', 'how much does it cost?', 'question:costs'],
  ['zh-Hans', 'age', '阿帕替尼有什么副作用？', 'question:side-effects-apatinib'],
  ['zh-Hant', 'none', '阿帕替尼有咩副作用？', 'question:side-effects-apatinib'],
  ['en', 'askQuestion', 'how much does it cost?', 'question:costs'],
  ['zh-Hant', 'askQuestion', '紫色大象？', 'unclear:question'],
  // 6. small talk and out of scope
  ['en', 'none', 'thank you so much', 'smallTalk'],
  ['zh-Hans', 'none', '谢谢你', 'smallTalk'],
  ['zh-Hant', 'yesNo', '唔該晒', 'smallTalk'],
  ['en', 'none', "what's the weather like tomorrow", 'outOfScope'],
  ['zh-Hans', 'none', '今天天气怎么样', 'outOfScope'],
  // 7. anything else
  // 7. a free-text field takes what it parses, also a question nobody could place
  ['en', 'name', 'Chen Mei Ling', 'answer:Chen Mei Ling'],
  // 8. anything else, with its form: a question, a sentence (taken as a question at the menu) or a fragment
  ['zh-Hans', 'none', '紫色大象星期二？', 'unclear:question'],
  ['en', 'yesNo', 'purple elephant tuesday', 'unclear:sentence'],
  ['en', 'none', 'xyz', 'unclear:fragment'],
];

describe('interpretTurn: one precedence table, every kind of open question, every locale', () => {
  it.each(table)('(%s, open question: %s) %j -> %s', (locale, questionKind, message, expected) => {
    const openQuestion = openQuestions(locale)[questionKind];
    if (!openQuestion) throw new Error(`no open question ${questionKind}`);
    expect(summary(interpretTurn(services, message, openQuestion, locale))).toBe(expected);
  });

  it('covers every interpretation kind and every locale', () => {
    const kinds = new Set(table.map(([, , , expected]) => expected.split(':')[0]));
    expect([...kinds].sort()).toEqual(['answer', 'command', 'medicalDecision', 'outOfScope', 'question', 'smallTalk', 'unclear']);
    expect(new Set(table.map(([locale]) => locale)).size).toBe(3);
  });
});
