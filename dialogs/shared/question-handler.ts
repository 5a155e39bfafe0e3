import type { TurnContext } from 'botbuilder';
import type { DialogServices } from '../dialog-services';
import { topicParams } from '../topics/topic-params';
import { topicTree } from '../topics/topic-tree';
import type { MidPromptQuestionHandler } from './answer-prompt';
import { looksLikeQuestion } from './answer-prompt';
import { replyInKind } from './small-talk';
import { turnLocale } from './turn-locale';

/**
 * Answers a question typed while a prompt waits for an answer (a request for a medical decision never gets
 * here: the bot answers it first, on every message): a recognised study question gets its approved answer;
 * an unclear question is admitted honestly. The prompt then asks again.
 */
export function createMidPromptQuestionHandler(services: DialogServices): MidPromptQuestionHandler {
  return async (context: TurnContext, text: string, freeTextExpected: boolean) => {
    const locale = turnLocale(context);
    const t = services.i18n.getFixedT(locale);
    const recognition = services.recognizeQuestion(text, locale);
    if (recognition.confident && recognition.kind !== 'intent') {
      await context.sendActivity(replyInKind(t, recognition.kind, text));
      return true;
    }
    if (recognition.confident && recognition.intent && topicTree.topics.has(recognition.intent)) {
      const id = recognition.intent;
      const params = topicParams(services, context);
      // The prompt then asks its question again as the next (and last) message: no "back to where we were" bubble.
      await context.sendActivity(`${t(`topics:${id}.title`)}\n\n${t(`topics:${id}.answer`, params)}`);
      return true;
    }
    if (!freeTextExpected && looksLikeQuestion(text)) {
      await context.sendActivity(t('common:ask.notUnderstoodMidPrompt'));
      return true;
    }
    return false;
  };
}

export const intentPrefix = 'intent:';

export const chatPrefix = 'chat:';

/**
 * Parses typed text into a confidently recognised intent (`intent:<id>`), so menus accept questions too; small
 * talk and out-of-scope messages come back as `chat:<text>` for the question dialog to answer in kind.
 */
export function createIntentParser(services: DialogServices) {
  return (text: string, locale: Parameters<DialogServices['recognizeQuestion']>[1]): string | undefined => {
    const recognition = services.recognizeQuestion(text, locale);
    if (!recognition.confident) return undefined;
    // Small talk, out of scope and "can I join?" are answered by the question dialog in their own way.
    if (recognition.kind !== 'intent' || recognition.intent === 'precheck') return `${chatPrefix}${text.slice(0, 500)}`;
    return recognition.intent ? `${intentPrefix}${recognition.intent}` : undefined;
  };
}
