import { describe, expect, it } from 'vitest';
import { evaluatePrecheck, type PrecheckAnswers, precheckSummary } from '../../dialogs/precheck/evaluate-precheck';
import { loadPrecheckCriteria, precheckCriteria } from '../../dialogs/precheck/precheck-criteria';
import { endsEarly, nextQuestionId, progressOf, stepBack } from '../../dialogs/precheck/precheck-flow';

const fits: PrecheckAnswers = { age: '56', diagnosis: 'yes', 'recurrent-or-metastatic': 'yes', 'anti-pd1': 'toripalimab', 'anti-pd1-progressed': 'yes' };
const noFlags: PrecheckAnswers = { 'daily-activity': 'yes', 'anti-vessel-medicine': 'no', bleeding: 'no', 'blood-pressure': 'no', autoimmune: 'no', pregnancy: 'no' };

describe('evaluatePrecheck', () => {
  const cases: { name: string; answers: PrecheckAnswers; outcome: string; reasons?: string[]; flags?: string[] }[] = [
    { name: 'everything fits', answers: { ...fits, ...noFlags }, outcome: 'may-fit', reasons: [], flags: [] },
    { name: 'age 18 and 75 are inside the range', answers: { ...fits, age: '18' }, outcome: 'may-fit' },
    { name: 'age 75', answers: { ...fits, age: '75' }, outcome: 'may-fit' },
    { name: 'age 76', answers: { ...fits, age: '76' }, outcome: 'probably-not', reasons: ['age'] },
    { name: 'age 17', answers: { age: '17' }, outcome: 'probably-not', reasons: ['age'] },
    { name: 'not NPC', answers: { ...fits, diagnosis: 'no' }, outcome: 'probably-not', reasons: ['diagnosis'] },
    { name: 'neither recurrent nor metastatic', answers: { ...fits, 'recurrent-or-metastatic': 'no' }, outcome: 'probably-not', reasons: ['recurrent-or-metastatic'] },
    { name: 'never had anti-PD-1', answers: { ...fits, 'anti-pd1': 'none', 'anti-pd1-progressed': undefined as unknown as string }, outcome: 'probably-not', reasons: ['anti-pd1-failed'] },
    { name: 'anti-PD-1 still working', answers: { ...fits, 'anti-pd1-progressed': 'no' }, outcome: 'probably-not', reasons: ['anti-pd1-failed'] },
    { name: 'several reasons, in content order', answers: { ...fits, age: '80', diagnosis: 'no' }, outcome: 'probably-not', reasons: ['age', 'diagnosis'] },
    { name: 'anti-PD-1 name unknown still fits', answers: { ...fits, 'anti-pd1': 'anti-pd1' }, outcome: 'may-fit' },
    { name: 'one "not sure" does not count against', answers: { ...fits, diagnosis: 'unsure' }, outcome: 'may-fit' },
    { name: 'two "not sure": cannot tell', answers: { ...fits, diagnosis: 'unsure', age: 'unsure' }, outcome: 'cannot-tell', reasons: [] },
    { name: 'unsure which medicine and unsure recurrence', answers: { ...fits, 'anti-pd1': 'unsure', 'recurrent-or-metastatic': 'unsure' }, outcome: 'cannot-tell' },
    {
      name: '"not sure" everywhere: cannot tell, never probably not',
      answers: { age: 'unsure', diagnosis: 'unsure', 'recurrent-or-metastatic': 'unsure', 'anti-pd1': 'unsure', 'daily-activity': 'unsure', 'anti-vessel-medicine': 'unsure', bleeding: 'unsure', 'blood-pressure': 'unsure', autoimmune: 'unsure', pregnancy: 'unsure' },
      outcome: 'cannot-tell',
      reasons: [],
      flags: [],
    },
    { name: 'no answers at all', answers: {}, outcome: 'cannot-tell', reasons: [] },
    {
      name: 'flags are listed but never decide',
      answers: { ...fits, 'daily-activity': 'no', 'anti-vessel-medicine': 'yes', bleeding: 'yes', 'blood-pressure': 'yes', autoimmune: 'yes', pregnancy: 'yes' },
      outcome: 'may-fit',
      flags: ['daily-activity', 'anti-vessel-medicine', 'bleeding', 'blood-pressure', 'autoimmune', 'pregnancy'],
    },
    { name: 'activity "yes" is not a flag', answers: { ...fits, 'daily-activity': 'yes', bleeding: 'unsure' }, outcome: 'may-fit', flags: [] },
  ];
  it.each(cases)('$name -> $outcome', ({ answers, outcome, reasons, flags }) => {
    const clean = Object.fromEntries(Object.entries(answers).filter(([, value]) => value !== undefined));
    const evaluation = evaluatePrecheck(precheckCriteria, clean);
    expect(evaluation.outcome).toBe(outcome);
    if (reasons) expect(evaluation.reasons).toEqual(reasons);
    if (flags) expect(evaluation.flags).toEqual(flags);
  });

  it('the summary carries the outcome, reasons, flags, answers and the criteria version', () => {
    const answers = { ...fits, age: '80', bleeding: 'yes' };
    const summary = precheckSummary(precheckCriteria, answers, evaluatePrecheck(precheckCriteria, answers));
    expect(summary).toEqual({ outcome: 'probably-not', reasons: ['age'], flags: ['bleeding'], answers, criteriaVersion: precheckCriteria.version });
  });
});

describe('pre-check flow', () => {
  it('asks the follow-up only after an anti-PD-1 medicine', () => {
    expect(nextQuestionId(precheckCriteria, {})).toBe('age');
    expect(nextQuestionId(precheckCriteria, { 'anti-pd1': 'camrelizumab' }, 'anti-pd1')).toBe('anti-pd1-progressed');
    expect(nextQuestionId(precheckCriteria, { 'anti-pd1': 'anti-pd1' }, 'anti-pd1')).toBe('anti-pd1-progressed');
    expect(nextQuestionId(precheckCriteria, { 'anti-pd1': 'none' }, 'anti-pd1')).toBe('daily-activity');
    expect(nextQuestionId(precheckCriteria, { 'anti-pd1': 'unsure' }, 'anti-pd1')).toBe('daily-activity');
    expect(nextQuestionId(precheckCriteria, {}, 'pregnancy')).toBeUndefined();
  });

  it('ends early only when the age is outside the range', () => {
    expect(endsEarly(precheckCriteria, 'age', { age: '80' })).toBe(true);
    expect(endsEarly(precheckCriteria, 'age', { age: '56' })).toBe(false);
    expect(endsEarly(precheckCriteria, 'age', { age: 'unsure' })).toBe(false);
    expect(endsEarly(precheckCriteria, 'diagnosis', { diagnosis: 'no' })).toBe(false);
  });

  it('numbers 10 questions; the follow-up shares its number', () => {
    expect(progressOf(precheckCriteria, 'age')).toEqual({ number: 1, total: 10 });
    expect(progressOf(precheckCriteria, 'anti-pd1')).toEqual({ number: 4, total: 10 });
    expect(progressOf(precheckCriteria, 'anti-pd1-progressed')).toEqual({ number: 4, total: 10 });
    expect(progressOf(precheckCriteria, 'daily-activity')).toEqual({ number: 5, total: 10 });
    expect(progressOf(precheckCriteria, 'pregnancy')).toEqual({ number: 10, total: 10 });
  });

  it('back returns to the last answered question and forgets it and later answers', () => {
    const back = stepBack(['age', 'diagnosis', 'recurrent-or-metastatic'], { age: '56', diagnosis: 'yes', 'recurrent-or-metastatic': 'no' });
    expect(back).toEqual({ questionId: 'recurrent-or-metastatic', history: ['age', 'diagnosis'], answers: { age: '56', diagnosis: 'yes' } });
    expect(stepBack([], {})).toBeUndefined();
  });
});

describe('content/precheck.json validation', () => {
  const valid = JSON.parse(JSON.stringify(precheckCriteria)) as Record<string, unknown> & { questions: Record<string, unknown>[] };

  it('loads the shipped file', () => {
    expect(loadPrecheckCriteria().questions.map((question) => question.id)).toContain('anti-pd1');
  });

  const broken: [string, (data: typeof valid) => void, RegExp][] = [
    ['an unknown source id', (data) => ((data.questions[0] as { sources: string[] }).sources = ['X9']), /sources/],
    ['a question deciding an unknown criterion', (data) => ((data.questions[1] as { criterion: string }).criterion = 'height'), /unknown criterion "height"/],
    ['a follow-up before its question', (data) => data.questions.unshift(data.questions.splice(4, 1)[0] as Record<string, unknown>), /must come before/],
    ['a question that neither decides nor flags', (data) => delete (data.questions[5] as { flag?: string }).flag, /either decide a criterion or raise a flag/],
    ['a duplicated question', (data) => data.questions.push({ ...(data.questions[1] as Record<string, unknown>) }), /appears twice/],
    ['a criterion never asked', (data) => (data.criteria as unknown[]).push({ id: 'height', sources: ['R1'], about: '' }), /never asked/],
  ];
  it.each(broken)('rejects %s', (_name, breakIt, message) => {
    const data = JSON.parse(JSON.stringify(valid)) as typeof valid;
    breakIt(data);
    expect(() => loadPrecheckCriteria(data)).toThrow(message);
  });
});
