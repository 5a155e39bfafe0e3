import type { TurnContext } from 'botbuilder';
import type { DialogServices } from '../dialog-services';
import { topicParams } from '../topics/topic-params';
import { topicTree } from '../topics/topic-tree';
import type { MidPromptQuestionHandler } from './answer-prompt';
import { replyInKind } from './small-talk';
import { recordQuestion, recordStudyEvent } from './study-events';
import { turnLocale } from './turn-locale';

/**
 * Answers a question typed while a prompt waits for an answer, from the turn's interpretation (a request for a
 * medical decision never gets here: the bot answers it first): a study question gets its approved answer; small
 * talk and a question not about the study are answered in kind; anything else is admitted honestly. The prompt
 * then asks again.
 */
export function createMidPromptQuestionHandler(services: DialogServices): MidPromptQuestionHandler {
  return async (context: TurnContext, interpretation, text) => {
    const t = services.i18n.getFixedT(turnLocale(context));
    recordQuestion(services, context, interpretation, text);
    if (interpretation.kind === 'smallTalk' || interpretation.kind === 'outOfScope') {
      await context.sendActivity(replyInKind(t, interpretation.kind, text));
      return true;
    }
    if (interpretation.kind === 'question' && topicTree.topics.has(interpretation.intent)) {
      const id = interpretation.intent;
      recordStudyEvent(services, context, { type: 'topicViewed', topicId: id });
      // The prompt then asks its question again as the next (and last) message: no "back to where we were" bubble.
      await context.sendActivity(`${t(`topics:${id}.title`)}\n\n${t(`topics:${id}.answer`, topicParams(services, context))}`);
      return true;
    }
    await context.sendActivity(t('common:ask.notUnderstoodMidPrompt'));
    return true;
  };
}
