import { answerStatus, type PrecheckAnswers } from './evaluate-precheck';
import type { PrecheckCriteria, PrecheckQuestion } from './precheck-criteria';

/** A follow-up is asked only when the question it follows was answered in a way that fits. */
export function isAsked(criteria: PrecheckCriteria, question: PrecheckQuestion, answers: PrecheckAnswers): boolean {
  if (question.kind !== 'yes-no' || !question.followUpOf) return true;
  const parent = criteria.questions.find((candidate) => candidate.id === question.followUpOf);
  return parent !== undefined && answerStatus(parent, answers[parent.id]) === 'fits';
}

export function questionById(criteria: PrecheckCriteria, questionId: string): PrecheckQuestion | undefined {
  return criteria.questions.find((question) => question.id === questionId);
}

/** The question after `currentId` (or the first one) that applies to these answers; undefined when done. */
export function nextQuestionId(criteria: PrecheckCriteria, answers: PrecheckAnswers, currentId?: string): string | undefined {
  const start = currentId === undefined ? 0 : criteria.questions.findIndex((question) => question.id === currentId) + 1;
  return criteria.questions.slice(start).find((question) => isAsked(criteria, question, answers))?.id;
}

/** True when this answer alone settles "probably not" and the content says not to ask the rest. */
export function endsEarly(criteria: PrecheckCriteria, questionId: string, answers: PrecheckAnswers): boolean {
  const question = questionById(criteria, questionId);
  return question !== undefined && question.endsEarlyWhenNotFit && answerStatus(question, answers[questionId]) === 'does-not-fit';
}

/** "Question 4 of 10": a follow-up shares the number of the question it follows, so the total never changes mid-way. */
export function progressOf(criteria: PrecheckCriteria, questionId: string): { number: number; total: number } {
  const numbered = criteria.questions.filter((question) => question.kind !== 'yes-no' || !question.followUpOf);
  const question = questionById(criteria, questionId);
  const anchor = question?.kind === 'yes-no' && question.followUpOf ? question.followUpOf : questionId;
  return { number: numbered.findIndex((candidate) => candidate.id === anchor) + 1, total: numbered.length };
}

/** One question back: the last answered question is asked again, and it and every later answer are forgotten. */
export function stepBack(history: readonly string[], answers: PrecheckAnswers): { questionId: string; history: string[]; answers: Record<string, string> } | undefined {
  const questionId = history.at(-1);
  if (questionId === undefined) return undefined;
  const kept = history.slice(0, -1);
  return { questionId, history: kept, answers: Object.fromEntries(kept.flatMap((id) => (answers[id] === undefined ? [] : [[id, answers[id]]]))) };
}
