import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { dialogIds } from '../ids';
import { topicTree } from '../topics/topic-tree';

/** Non-topic intents the recognizer and menus share, mapped to their dialogs. */
const intentDialogs: Record<string, string> = {
  precheck: dialogIds.precheck,
  handoff: dialogIds.handoff,
  'check-referral': dialogIds.checkReferral,
  erase: dialogIds.erase,
};

/** Starts what an intent asks for (a topic, the pre-check, the study team...); undefined if it is not one. */
export async function beginIntent(step: WaterfallStepContext, intent: string): Promise<DialogTurnResult | undefined> {
  if (topicTree.topics.has(intent)) return step.beginDialog(dialogIds.topics, { topicId: intent });
  const dialogId = intentDialogs[intent];
  return dialogId ? step.beginDialog(dialogId) : undefined;
}
