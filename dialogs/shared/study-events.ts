import type { TurnContext } from 'botbuilder';
import type { StudyEvent } from '../../src/events/study-events';
import type { DialogServices } from '../dialog-services';
import type { QuestionInterpretation } from './interpret-turn';
import { turnLocale } from './turn-locale';

/** Records a study event of this turn, labelled with the conversation's language and channel. */
export function recordStudyEvent(services: Pick<DialogServices, 'events'>, context: TurnContext, event: StudyEvent): void {
  services.events.record(event, { locale: turnLocale(context), channel: context.activity.channelId });
}

/**
 * A typed question, as the funnel counts it: answered with a topic (confident), "did you mean" (unsure) or not
 * about the study (outOfScope). Only the last two carry the words, for the unanswered-questions list. Small talk
 * and a stray fragment are not questions.
 */
export function recordQuestion(services: Pick<DialogServices, 'events'>, context: TurnContext, interpretation: QuestionInterpretation, text: string): void {
  switch (interpretation.kind) {
    case 'question':
      recordStudyEvent(services, context, { type: 'questionAsked', outcome: 'confident', intent: interpretation.intent });
      return;
    case 'outOfScope':
      recordStudyEvent(services, context, { type: 'questionAsked', outcome: 'outOfScope', text });
      return;
    case 'unclear':
      if (interpretation.form !== 'fragment') recordStudyEvent(services, context, { type: 'questionAsked', outcome: 'unsure', text });
      return;
    case 'smallTalk':
      return;
  }
}
