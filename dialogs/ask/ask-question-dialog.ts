import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { z } from 'zod';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import { AnswerPrompt, answerOf, type PromptResult, promptOptions } from '../shared/answer-prompt';
import { beginIntent } from '../shared/intent-routing';
import type { FollowUp } from '../shared/interpret-turn';
import type { ChoiceSpec } from '../shared/localized-choices';
import { followUpSchema, optionalField } from '../shared/persisted-options';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { replyInKind } from '../shared/small-talk';
import { recordQuestion } from '../shared/study-events';
import { turnLocale } from '../shared/turn-locale';
import { topicTree } from '../topics/topic-tree';
import { ageMentioned } from '../precheck/answer-parsers';
import { precheckCriteria } from '../precheck/precheck-criteria';

export interface AskOptions {
  /** A question already typed (at the menu), with the turn's interpretation of it: answered without asking for it. */
  question?: FollowUp;
}

/** Stored with the dialog stack and read back on a later turn: checked (a malformed question is as if none was typed). */
export const askOptionsSchema: z.ZodType<AskOptions> = z.object({ question: optionalField(followUpSchema) }).catch({});

const menuValue = 'menu';

/**
 * "Ask a question": recognises the question and answers from the approved topics. When unsure it says so
 * and offers the closest topics and the study team — it never guesses.
 */
export class AskQuestionDialog extends ComponentDialog {
  private readonly questionPromptId = `${dialogIds.ask}.question`;
  private readonly choicePromptId = `${dialogIds.ask}.choice`;

  constructor(private readonly services: DialogServices) {
    super(dialogIds.ask);
    // Every typed text is the question here: the prompt hands it on with its interpretation.
    this.addDialog(new AnswerPrompt(this.questionPromptId, services.i18n, { asksForQuestion: true }));
    // At "did you mean…?" or the pre-check offer, a new question is the person's next question: asked afresh.
    this.addDialog(new AnswerPrompt(this.choicePromptId, services.i18n, { onQuestion: createMidPromptQuestionHandler(services), returns: ['question', 'smallTalk', 'outOfScope', 'unclear'] }));
    this.addDialog(new WaterfallDialog(dialogIds.askSteps, [this.askStep.bind(this), this.answerStep.bind(this), this.followChoiceStep.bind(this)]));
    this.initialDialogId = dialogIds.askSteps;
  }

  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { question } = askOptionsSchema.parse(step.options ?? {});
    if (question) return step.next();
    return step.prompt(this.questionPromptId, promptOptions({ keys: ['common:ask.prompt'] }));
  }

  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // A request for a treatment decision never gets here: the bot deflects it on every message first.
    const result = step.result as PromptResult | undefined;
    const asked = result?.kind === 'question' ? { text: result.text, interpretation: result.interpretation } : askOptionsSchema.parse(step.options ?? {}).question;
    if (!asked) return step.endDialog();
    const { text, interpretation } = asked;
    recordQuestion(this.services, step.context, interpretation, text);
    if (interpretation.kind === 'smallTalk' || interpretation.kind === 'outOfScope') {
      // Small talk is answered in kind; anything not about this study gets a short "only this study", then the menu.
      await step.context.sendActivity(replyInKind(this.services.i18n.getFixedT(turnLocale(step.context)), interpretation.kind, text));
      return step.endDialog();
    }
    if (interpretation.kind === 'question' && interpretation.intent === 'precheck') return this.offerPrecheck(step, text);
    if (interpretation.kind === 'question') {
      const started = await beginIntent(step, interpretation.intent);
      if (started) return started;
    }
    // "Did you mean…?": the closest topics by title (numbered on WeChat), and the study team.
    const offered = interpretation.alternatives.filter((id) => topicTree.topics.has(id) || id === 'precheck' || id === 'handoff').slice(0, 3);
    const choices: ChoiceSpec[] = offered.map((id) => ({ value: id, labelKey: topicTree.topics.has(id) ? `topics:${id}.title` : `common:menu.${id}` }));
    choices.push({ value: 'handoff', labelKey: 'common:menu.handoff' });
    const unique = choices.filter((choice, index) => choices.findIndex((other) => other.value === choice.value) === index);
    return step.prompt(this.choicePromptId, promptOptions({ keys: ['common:ask.notSure'], choices: unique }));
  }

  /**
   * "Can I join?" / "我爸能参加吗": the short answer (who may join; an age in the question is compared with the
   * range), that only the study team can say for sure, and the pre-check offered.
   */
  private async offerPrecheck(step: WaterfallStepContext, question: string): Promise<DialogTurnResult> {
    const t = this.services.i18n.getFixedT(turnLocale(step.context));
    const range = ageRange();
    const age = ageMentioned(question);
    const lines = [t('precheck:canIJoin.short', range)];
    if (age !== undefined) lines.push(t(age < range.min || age > range.max ? 'precheck:canIJoin.outside' : 'precheck:canIJoin.inside', { ...range, age }));
    await step.context.sendActivity(lines.join('\n\n'));
    const choices: ChoiceSpec[] = [
      { value: 'precheck', labelKey: 'precheck:canIJoin.start' },
      { value: menuValue, labelKey: 'common:nav.menu', synonymsKey: 'common:nav.menuSynonyms' },
    ];
    return step.prompt(this.choicePromptId, promptOptions({ keys: ['precheck:canIJoin.offer'], choices }));
  }

  private async followChoiceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as PromptResult | undefined;
    if (result?.kind === 'question') return step.replaceDialog(dialogIds.askSteps, { question: { text: result.text, interpretation: result.interpretation } } satisfies AskOptions);
    const answer = answerOf(result);
    if (!answer || answer === menuValue) return step.endDialog();
    return (await beginIntent(step, answer)) ?? step.endDialog();
  }
}

/** The study's age range, from the pre-check criteria (content/precheck.json, source R1). */
function ageRange(): { min: number; max: number } {
  const question = precheckCriteria.questions.find((entry) => entry.kind === 'age');
  if (question?.kind !== 'age') throw new Error('content/precheck.json has no age question');
  return { min: question.min, max: question.max };
}
