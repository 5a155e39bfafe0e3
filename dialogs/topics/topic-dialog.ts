import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import { AnswerPrompt, backAnswer, promptOptions } from '../shared/answer-prompt';
import { beginIntent, intentOf } from '../shared/intent-routing';
import type { ChoiceSpec } from '../shared/localized-choices';
import { createIntentParser, createMidPromptQuestionHandler, intentPrefix } from '../shared/question-handler';
import { topicParams } from './topic-params';
import { topicTree } from './topic-tree';

export interface TopicOptions {
  topicId: string;
  showMore?: boolean;
}

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
    this.addDialog(new AnswerPrompt(this.promptId, services.i18n, createMidPromptQuestionHandler(services), createIntentParser(services)));
    this.addDialog(new WaterfallDialog(dialogIds.topicsSteps, [this.showTopicStep.bind(this), this.followChoiceStep.bind(this)]));
    this.initialDialogId = dialogIds.topicsSteps;
  }

  private async showTopicStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = step.options as TopicOptions;
    const topic = topicTree.topics.get(options.topicId) ?? topicTree.topics.get(topicTree.root);
    if (!topic) return step.endDialog();
    const hasMore = this.services.i18n.exists(`topics:${topic.id}.more`, { lng: 'en' });
    const keys = options.showMore ? [`topics:${topic.id}.more`] : [`topics:${topic.id}.title`, `topics:${topic.id}.answer`];
    const choices: ChoiceSpec[] = [];
    if (hasMore && !options.showMore) choices.push({ value: moreValue, labelKey: 'common:topics.more', synonymsKey: 'common:topics.moreSynonyms' });
    const linked = [...(topic.children ?? []), ...(topic.related ?? [])].filter((id, index, all) => all.indexOf(id) === index && id !== topic.id);
    for (const id of linked) choices.push({ value: `${intentPrefix}${id}`, labelKey: `topics:${id}.title` });
    if (topic.kind === 'unknown') choices.push({ value: `${intentPrefix}handoff`, labelKey: 'common:menu.handoff' });
    if (topic.parent && topic.parent !== topicTree.root) choices.push({ value: `${intentPrefix}${topic.parent}`, labelKey: 'common:topics.up', synonymsKey: 'common:topics.upSynonyms' });
    if (topic.id !== topicTree.root) choices.push({ value: `${intentPrefix}${topicTree.root}`, labelKey: 'common:topics.allTopics' });
    choices.push({ value: menuValue, labelKey: 'common:nav.menu', synonymsKey: 'common:nav.menuSynonyms' });
    (step.values as { topicId?: string }).topicId = topic.id;
    return step.prompt(this.promptId, promptOptions({ keys, params: topicParams(this.services, step.context), choices, allowBack: true }));
  }

  private async followChoiceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const topicId = (step.values as { topicId: string }).topicId;
    const answer = step.result as string;
    if (answer === moreValue) return step.replaceDialog(dialogIds.topicsSteps, { topicId, showMore: true } satisfies TopicOptions);
    if (answer === backAnswer) {
      const parent = topicTree.topics.get(topicId)?.parent;
      return parent ? step.replaceDialog(dialogIds.topicsSteps, { topicId: parent } satisfies TopicOptions) : step.endDialog();
    }
    const intent = intentOf(answer);
    if (intent && topicTree.topics.has(intent)) return step.replaceDialog(dialogIds.topicsSteps, { topicId: intent } satisfies TopicOptions);
    if (intent) {
      await step.cancelAllDialogs();
      return (await beginIntent(step, intent)) ?? step.endDialog();
    }
    return step.endDialog();
  }
}
