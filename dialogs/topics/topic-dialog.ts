import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { z } from 'zod';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import type { AskOptions } from '../ask/ask-question-dialog';
import { AnswerPrompt, type PromptResult, promptOptions } from '../shared/answer-prompt';
import { beginIntent } from '../shared/intent-routing';
import type { ChoiceSpec } from '../shared/localized-choices';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { recordQuestion, recordStudyEvent } from '../shared/study-events';
import { topicParams } from './topic-params';
import { topicTree } from './topic-tree';

export interface TopicOptions {
  topicId: string;
  showMore?: boolean;
}

/**
 * Options are stored with the dialog stack (conversation state) and read back on later turns, possibly written by an
 * older version: checked, never trusted. A malformed field falls back to the default (an unknown topic shows the root).
 */
export const topicOptionsSchema: z.ZodType<TopicOptions> = z
  .object({ topicId: z.string().catch(''), showMore: z.boolean().optional().catch(undefined) })
  .catch({ topicId: '' });

const moreValue = 'more';
const menuValue = 'menu';

/**
 * Browses "About the study": each answer comes with "tell me more", deeper and related topics, a way up
 * and a way back to the menu. Typed questions jump straight to their topic.
 */
export class TopicDialog extends ComponentDialog {
  private readonly promptId = `${dialogIds.topics}.prompt`;

  constructor(private readonly services: DialogServices) {
    super(dialogIds.topics);
    // A question the recognizer is sure of jumps to its topic; anything else is answered and the topic's choices follow.
    this.addDialog(new AnswerPrompt(this.promptId, services.i18n, { onQuestion: createMidPromptQuestionHandler(services), returns: ['question'] }));
    this.addDialog(new WaterfallDialog(dialogIds.topicsSteps, [this.showTopicStep.bind(this), this.followChoiceStep.bind(this)]));
    this.initialDialogId = dialogIds.topicsSteps;
  }

  private async showTopicStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = topicOptionsSchema.parse(step.options ?? {});
    const topic = topicTree.topics.get(options.topicId) ?? topicTree.topics.get(topicTree.root);
    if (!topic) return step.endDialog();
    const hasMore = this.services.i18n.exists(`topics:${topic.id}.more`, { lng: 'en' });
    const keys = options.showMore ? [`topics:${topic.id}.more`] : [`topics:${topic.id}.title`, `topics:${topic.id}.answer`];
    const choices: ChoiceSpec[] = [];
    if (hasMore && !options.showMore) choices.push({ value: moreValue, labelKey: 'common:topics.more', synonymsKey: 'common:topics.moreSynonyms' });
    const linked = [...(topic.children ?? []), ...(topic.related ?? [])].filter((id, index, all) => all.indexOf(id) === index && id !== topic.id);
    // Values are the topic ids (and 'handoff') they lead to.
    for (const id of linked) choices.push({ value: id, labelKey: `topics:${id}.title` });
    if (topic.kind === 'unknown') choices.push({ value: 'handoff', labelKey: 'common:menu.handoff' });
    if (topic.parent && topic.parent !== topicTree.root) choices.push({ value: topic.parent, labelKey: 'common:topics.up', synonymsKey: 'common:topics.upSynonyms' });
    if (topic.id !== topicTree.root) choices.push({ value: topicTree.root, labelKey: 'common:topics.allTopics' });
    choices.push({ value: menuValue, labelKey: 'common:nav.menu', synonymsKey: 'common:nav.menuSynonyms' });
    (step.values as { topicId?: string }).topicId = topic.id;
    if (!options.showMore) recordStudyEvent(this.services, step.context, { type: 'topicViewed', topicId: topic.id });
    return step.prompt(this.promptId, promptOptions({ keys, params: topicParams(this.services, step.context), choices, allowBack: true }));
  }

  private async followChoiceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // Kept in the step's values across the turn: checked like the options (malformed: no topic, so back ends).
    const topicId = z.string().catch('').parse((step.values as Record<string, unknown>)['topicId']);
    const result = step.result as PromptResult | undefined;
    if (result?.kind === 'back') {
      const parent = topicTree.topics.get(topicId)?.parent;
      return parent ? step.replaceDialog(dialogIds.topicsSteps, { topicId: parent } satisfies TopicOptions) : step.endDialog();
    }
    if (result?.kind === 'question') {
      // Only a recognised question is handed on (the prompt answers the rest): its topic, or "Ask a question" for the rest.
      const intent = result.interpretation.kind === 'question' ? result.interpretation.intent : undefined;
      if (intent && topicTree.topics.has(intent)) {
        recordQuestion(this.services, step.context, result.interpretation, result.text);
        return step.replaceDialog(dialogIds.topicsSteps, { topicId: intent } satisfies TopicOptions);
      }
      await step.cancelAllDialogs();
      return step.beginDialog(dialogIds.ask, { question: { text: result.text, interpretation: result.interpretation } } satisfies AskOptions);
    }
    const answer = result?.kind === 'answer' ? result.value : menuValue;
    if (answer === moreValue) return step.replaceDialog(dialogIds.topicsSteps, { topicId, showMore: true } satisfies TopicOptions);
    if (answer === menuValue) return step.endDialog();
    if (topicTree.topics.has(answer)) return step.replaceDialog(dialogIds.topicsSteps, { topicId: answer } satisfies TopicOptions);
    await step.cancelAllDialogs();
    return (await beginIntent(step, answer)) ?? step.endDialog();
  }
}
