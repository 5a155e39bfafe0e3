import type { TFunction } from 'i18next';
import type { PrecheckEvaluation } from './evaluate-precheck';
import type { PrecheckCriteria } from './precheck-criteria';

/**
 * The outcome message, in the conversation's language: the result in kind words (never "eligible"), the
 * reasons for "probably not" with questions for their own doctor, what to have ready when we cannot tell,
 * what the study team checks that a chat cannot, and the flags the study doctors will ask about.
 */
export function precheckOutcomeText(
  t: TFunction,
  criteria: PrecheckCriteria,
  evaluation: PrecheckEvaluation,
  roleContext: string | undefined,
  /** Site values (registry status and checked-on date, emergency number): see `siteTextParams`. */
  siteParams: Record<string, string | number>,
): string {
  const say = (key: string, params: Record<string, string | number> = {}): string => t(`precheck:${key}`, { ...siteParams, ...params, context: roleContext });
  const list = (items: string[]): string => items.map((item) => say('outcome.listItem', { item })).join('\n');
  const ageQuestion = criteria.questions.find((question) => question.kind === 'age');
  const ageRange: Record<string, number> = ageQuestion?.kind === 'age' ? { min: ageQuestion.min, max: ageQuestion.max } : {};

  const paragraphs: string[] = [];
  switch (evaluation.outcome) {
    case 'may-fit':
      // The registry may be out of date: say what it said, when, and that the study team confirms.
      paragraphs.push(say('outcome.mayFit'), say('outcome.registry'), say('outcome.teamChecks'));
      break;
    case 'probably-not':
      paragraphs.push(
        say('outcome.probablyNot'),
        `${say('outcome.reasonsIntro')}\n${list(evaluation.reasons.map((reason) => say(`reasons.${reason}`, ageRange)))}`,
        say('outcome.notFinal'),
        `${say('outcome.askDoctor')}\n${list([say('outcome.askDoctorItems.otherTreatments'), say('outcome.askDoctorItems.otherStudies')])}`,
      );
      break;
    case 'cannot-tell':
      paragraphs.push(
        say('outcome.cannotTell'),
        `${say('outcome.haveReady')}\n${list([say('outcome.haveReadyItems.scan'), say('outcome.haveReadyItems.treatments')])}`,
        say('outcome.teamChecks'),
      );
      break;
  }
  if (evaluation.flags.length > 0) paragraphs.push(`${say('outcome.flagsIntro')}\n${list(evaluation.flags.map((flag) => say(`flags.${flag}`)))}`);
  // A flag about something that may be happening now (bleeding, blood pressure): say what to do then.
  const urgentFlags = new Set(criteria.questions.flatMap((question) => (question.kind === 'yes-no' && question.saysWhatToDoNow && question.flag ? [question.flag] : [])));
  if (evaluation.flags.some((flag) => urgentFlags.has(flag))) paragraphs.push(say('outcome.urgentNow'));
  paragraphs.push(say('outcome.notDiagnosis'));
  return paragraphs.join('\n\n');
}
