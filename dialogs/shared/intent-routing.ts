import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { dialogIds } from '../ids';
import { topicTree } from '../topics/topic-tree';
import { intentPrefix } from './question-handler';

/** Non-topic intents the recognizer and menus share, mapped to their dialogs. */
const intentDialogs: Record<string, string> = {
  precheck: dialogIds.precheck,
  handoff: dialogIds.handoff,
  'check-referral': dialogIds.checkReferral,
  erase: dialogIds.erase,
};

export function intentOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(intentPrefix) ? value.slice(intentPrefix.length) : undefined;
}

/** Starts what an intent asks for; undefined if the value is not an intent. */
export async function beginIntent(step: WaterfallStepContext, intent: string): Promise<DialogTurnResult | undefined> {
  if (topicTree.topics.has(intent)) return step.beginDialog(dialogIds.topics, { topicId: intent });
  const dialogId = intentDialogs[intent];
  return dialogId ? step.beginDialog(dialogId) : undefined;
}
