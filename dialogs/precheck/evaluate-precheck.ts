import type { PrecheckOutcome, PrecheckSummary } from '../../src/storage/ports';
import type { PrecheckCriteria, PrecheckQuestion } from './precheck-criteria';

/** Normalised answers, by question id: 'yes' | 'no' | 'unsure', an age in digits, or a medicine answer. */
export type PrecheckAnswers = Readonly<Record<string, string>>;

export const unsureAnswer = 'unsure';
/** Medicine answers besides a medicine id: had an anti-PD-1 medicine but the name is not known, or never had one. */
export const unnamedAntiPd1Answer = 'anti-pd1';
export const noAntiPd1Answer = 'none';

export type AnswerStatus = 'fits' | 'does-not-fit' | 'unsure';

export interface PrecheckEvaluation {
  outcome: PrecheckOutcome;
  /** Criteria that do not fit, in content order (only for 'probably-not'). */
  reasons: string[];
  /** Criteria answered "not sure" (or not reached). */
  unsure: string[];
  /** Flags the study doctors will ask about, in content order. */
  flags: string[];
}

/** What one answer says about its criterion. A missing answer counts as "not sure", never against the person. */
export function answerStatus(question: PrecheckQuestion, answer: string | undefined): AnswerStatus {
  if (answer === undefined || answer === unsureAnswer) return 'unsure';
  switch (question.kind) {
    case 'age': {
      const age = Number(answer);
      if (!Number.isInteger(age)) return 'unsure';
      return age >= question.min && age <= question.max ? 'fits' : 'does-not-fit';
    }
    case 'medicine':
      return answer === noAntiPd1Answer ? 'does-not-fit' : 'fits';
    case 'yes-no':
      if (!question.fitsWhen) return 'fits';
      return answer === question.fitsWhen ? 'fits' : 'does-not-fit';
  }
}

/** A criterion's status: its questions in order; the first that does not fully fit decides. */
export function criterionStatus(criteria: PrecheckCriteria, criterionId: string, answers: PrecheckAnswers): AnswerStatus {
  for (const question of criteria.questions) {
    if (!('criterion' in question) || question.criterion !== criterionId) continue;
    const status = answerStatus(question, answers[question.id]);
    if (status !== 'fits') return status;
  }
  return 'fits';
}

/**
 * Answers -> outcome. Any criterion that clearly does not fit: "probably not" (with those criteria as
 * reasons). Otherwise too many "not sure": "can't tell yet". Otherwise "may be a fit". "Not sure" alone can
 * never lead to "probably not". The result is never "eligible": only the study team can decide that.
 */
export function evaluatePrecheck(criteria: PrecheckCriteria, answers: PrecheckAnswers): PrecheckEvaluation {
  const statuses = criteria.criteria.map((criterion) => ({ id: criterion.id, status: criterionStatus(criteria, criterion.id, answers) }));
  const reasons = statuses.filter((entry) => entry.status === 'does-not-fit').map((entry) => entry.id);
  const unsure = statuses.filter((entry) => entry.status === 'unsure').map((entry) => entry.id);
  const flags = criteria.questions.flatMap((question) => (question.kind === 'yes-no' && question.flag && answers[question.id] === question.flagWhen ? [question.flag] : []));
  let outcome: PrecheckOutcome = 'may-fit';
  if (reasons.length > 0) outcome = 'probably-not';
  else if (unsure.length >= criteria.cannotTellWhenUnsureAtLeast) outcome = 'cannot-tell';
  return { outcome, reasons, unsure, flags };
}

/** What is kept in conversation state (and shared with a referral only if the person agrees). */
export function precheckSummary(criteria: PrecheckCriteria, answers: PrecheckAnswers, evaluation: PrecheckEvaluation): PrecheckSummary {
  return { outcome: evaluation.outcome, reasons: [...evaluation.reasons], flags: [...evaluation.flags], answers: { ...answers }, criteriaVersion: criteria.version };
}
