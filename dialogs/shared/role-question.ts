import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { DialogServices } from '../dialog-services';
import { AnswerPrompt, answerOf, isBack, type PromptResult, promptOptions } from './answer-prompt';
import type { ChoiceSpec } from './localized-choices';
import { topicTree } from '../topics/topic-tree';
import { createMidPromptQuestionHandler } from './question-handler';
import { roleMentioned, roleOfChoice, roleStated } from './role-words';
import { setTurnProfile, turnLocale, turnRole } from './turn-locale';

/** "I am the patient" / "I am family" / "Someone else": buttons, numbers, labels and synonyms in every language. */
export const roleChoices: ChoiceSpec[] = (['patient', 'family', 'other'] as const).map((role) => ({ value: role, labelKey: `common:role.${role}`, synonymsKey: `common:role.${role}Synonyms` }));

/**
 * "Who is asking?", asked only where the answer is needed (the pre-check's wording, the hand-off's "Who you are")
 * and only while nobody has said: with the role known (answered before, stated, or inferred from "my father")
 * it ends at once. Typed answers: the choices, a statement ("我就是病人", "I'm asking for my mother") or a family
 * word ("my daughter"). The answer is remembered in the profile. Ends with `{ kind: 'answer', value: role }`, or
 * `{ kind: 'back' }` when the person asked to go back.
 */
export class RoleQuestionDialog extends ComponentDialog {
  private readonly promptId: string;
  private readonly questionHandler: ReturnType<typeof createMidPromptQuestionHandler>;

  constructor(
    /** Persisted in dialog state: keep it stable (e.g. 'precheck.role'). */
    dialogId: string,
    private readonly services: DialogServices,
    /** Paragraphs of the question (i18n keys). */
    private readonly keys: string[],
  ) {
    super(dialogId);
    this.promptId = `${dialogId}.prompt`;
    this.questionHandler = createMidPromptQuestionHandler(services);
    const parse = (text: string) => roleStated(text) ?? roleMentioned(text);
    // A question is answered and the question asked again, unless it said who is asking ("can my father join?"):
    // then the role is known and the dialog goes on.
    this.addDialog(new AnswerPrompt(this.promptId, services.i18n, { onQuestion: this.questionHandler, parse, returns: ['question', 'smallTalk', 'outOfScope', 'unclear'], returnsWhen: (context) => turnRole(context) !== undefined }));
    this.addDialog(new WaterfallDialog(`${dialogId}.steps`, [this.askStep.bind(this), this.rememberStep.bind(this)]));
    this.initialDialogId = `${dialogId}.steps`;
  }

  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const known = turnRole(step.context);
    if (known) return step.endDialog({ kind: 'answer', value: known } satisfies PromptResult);
    return step.prompt(this.promptId, promptOptions({ keys: this.keys, choices: roleChoices, allowBack: true }));
  }

  private async rememberStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (isBack(step.result)) return step.endDialog({ kind: 'back' } satisfies PromptResult);
    const result = step.result as PromptResult | undefined;
    const inferred = turnRole(step.context);
    if (result?.kind === 'question' && inferred) {
      // "What are the side effects for my dad?" is answered; "can my father join?" needs no answer: it goes on.
      const { interpretation } = result;
      if (interpretation.kind !== 'question' || topicTree.topics.has(interpretation.intent)) await this.questionHandler(step.context, interpretation, result.text);
      return step.endDialog({ kind: 'answer', value: inferred } satisfies PromptResult);
    }
    const role = roleOfChoice(answerOf(step.result) ?? '');
    if (!role) return step.replaceDialog(this.initialDialogId ?? '', {});
    await this.services.profile.update(step.context, { role });
    setTurnProfile(step.context, turnLocale(step.context), role);
    return step.endDialog({ kind: 'answer', value: role } satisfies PromptResult);
  }
}
