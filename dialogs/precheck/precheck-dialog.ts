import type { TurnContext } from 'botbuilder';
import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import { AnswerPrompt, answerOf, isBack, promptOptions } from '../shared/answer-prompt';
import type { ChoiceSpec } from '../shared/localized-choices';
import { precheckOptionsSchema } from '../shared/persisted-options';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { RoleQuestionDialog } from '../shared/role-question';
import { recordStudyEvent } from '../shared/study-events';
import { turnLocale, turnRoleContext } from '../shared/turn-locale';
import type { TopicOptions } from '../topics/topic-dialog';
import { siteTextParams } from '../topics/topic-params';
import { questionsWithOwnAnswers, questionYesNo } from '../shared/natural-answers';
import { createMedicineParser, createYesNoParser, parseAge, yesNoLexiconFrom } from './answer-parsers';
import { evaluatePrecheck, noAntiPd1Answer, precheckSummary, unnamedAntiPd1Answer, unsureAnswer } from './evaluate-precheck';
import { precheckCriteria, type PrecheckCriteria, type PrecheckQuestion } from './precheck-criteria';
import { endsEarly, nextQuestionId, progressOf, questionById, stepBack } from './precheck-flow';
import { precheckOutcomeText } from './precheck-outcome-text';

/** Where the pre-check is; kept in dialog state between turns (answers never leave conversation state). */
export interface PrecheckOptions {
  /** The question to ask; none at the start (the introduction is shown first). */
  questionId?: string;
  answers?: Record<string, string>;
  /** Questions answered so far, in order: "back" returns to the last one. */
  history?: string[];
}

const handoffValue = 'handoff';
const learnValue = 'learn';
const menuValue = 'menu';
/** The "About the study" topic that explains who can join. */
const learnTopicId = 'who-can-join';

const unsureChoice: ChoiceSpec = { value: unsureAnswer, labelKey: 'precheck:answer.unsure', synonymsKey: 'precheck:answer.unsureSynonyms' };
const yesNoChoices: ChoiceSpec[] = [
  { value: 'yes', labelKey: 'precheck:answer.yes', synonymsKey: 'precheck:answer.yesSynonyms' },
  { value: 'no', labelKey: 'precheck:answer.no', synonymsKey: 'precheck:answer.noSynonyms' },
  unsureChoice,
];
// Medicine names are typed, not offered as buttons: seven names would crowd a phone screen.
const medicineChoices: ChoiceSpec[] = [
  { value: unnamedAntiPd1Answer, labelKey: 'precheck:medicineAnswer.unnamed' },
  { value: noAntiPd1Answer, labelKey: 'precheck:medicineAnswer.none' },
  unsureChoice,
];
const nextChoices: ChoiceSpec[] = [
  { value: handoffValue, labelKey: 'common:menu.handoff', synonymsKey: 'common:menu.handoffSynonyms' },
  { value: learnValue, labelKey: 'precheck:outcome.choices.learn' },
  { value: menuValue, labelKey: 'common:nav.menu', synonymsKey: 'common:nav.menuSynonyms' },
];

/**
 * The light pre-check: a short introduction, then one question per turn with its progress and a line on why
 * it is asked; then the outcome (never "eligible"), the flags for the study doctors, and a way to the study
 * team. Typed questions are answered mid-way and the same question is asked again; "back" goes one question back.
 */
export class PrecheckDialog extends ComponentDialog {
  private readonly agePromptId = `${dialogIds.precheck}.age`;
  private readonly yesNoPromptId = `${dialogIds.precheck}.yes-no`;
  private readonly medicinePromptId = `${dialogIds.precheck}.medicine`;
  private readonly nextPromptId = `${dialogIds.precheck}.next`;
  private readonly outcomeStepsId = `${dialogIds.precheck}.outcome`;
  private readonly startStepsId = `${dialogIds.precheck}.start`;
  private readonly roleQuestionId = `${dialogIds.precheck}.role`;

  constructor(
    private readonly services: DialogServices,
    private readonly criteria: PrecheckCriteria = precheckCriteria,
  ) {
    super(dialogIds.precheck);
    const questionHandler = createMidPromptQuestionHandler(services);
    const lexicon = yesNoLexiconFrom(services.i18n);
    const yesNo = createYesNoParser(lexicon);
    const medicine = createMedicineParser(criteria, lexicon);
    const ask = (promptId: string, parse?: (text: string) => string | undefined) => new AnswerPrompt(promptId, services.i18n, { onQuestion: questionHandler, parse });
    this.addDialog(ask(this.agePromptId, (text) => parseAge(text)?.toString() ?? (yesNo(text) === 'unsure' ? unsureAnswer : undefined)));
    this.addDialog(ask(this.yesNoPromptId, (text) => yesNo(text)));
    // Questions whose natural answers differ ("it stopped working" = yes to "did the cancer grow on it?").
    for (const questionId of questionsWithOwnAnswers) {
      this.addDialog(ask(this.ownAnswersPromptId(questionId), (text) => questionYesNo(questionId, text) ?? yesNo(text)));
    }
    this.addDialog(ask(this.medicinePromptId, (text) => medicine(text)));
    this.addDialog(ask(this.nextPromptId));
    // The questions are worded for the patient or for a family member: who is asking is asked first, if nobody said.
    this.addDialog(new RoleQuestionDialog(this.roleQuestionId, services, ['common:role.prompt', 'common:role.why']));
    this.addDialog(new WaterfallDialog(this.startStepsId, [this.askRoleStep.bind(this), this.startQuestionsStep.bind(this)]));
    this.addDialog(new WaterfallDialog(dialogIds.precheckSteps, [this.askQuestionStep.bind(this), this.recordAnswerStep.bind(this)]));
    this.addDialog(new WaterfallDialog(this.outcomeStepsId, [this.showOutcomeStep.bind(this), this.followChoiceStep.bind(this), this.finishStep.bind(this)]));
    this.initialDialogId = this.startStepsId;
  }

  private async askRoleStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.beginDialog(this.roleQuestionId);
  }

  /** "Back" at "Who is asking?" leaves the pre-check for the menu; otherwise the introduction and the first question. */
  private async startQuestionsStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (isBack(step.result)) return step.endDialog();
    return step.replaceDialog(dialogIds.precheckSteps, {} satisfies PrecheckOptions);
  }

  private async askQuestionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: PrecheckOptions = precheckOptionsSchema.parse(step.options ?? {});
    const questionId = options.questionId ?? nextQuestionId(this.criteria, {});
    const question = questionId === undefined ? undefined : questionById(this.criteria, questionId);
    if (!question) return step.endDialog();
    if (options.questionId === undefined) {
      recordStudyEvent(this.services, step.context, { type: 'precheckStarted' });
      await this.sendIntroduction(step.context);
    }
    const { number, total } = progressOf(this.criteria, question.id);
    const params: Record<string, string | number> = {
      number,
      total,
      emergencyNumber: this.services.site.emergencyNumber,
      ...(question.kind === 'age' ? { min: question.min, max: question.max } : {}),
    };
    const { promptId, choices, retryKey } = this.promptFor(question);
    const keys = ['precheck:progress', `precheck:questions.${question.id}.question`, `precheck:questions.${question.id}.why`];
    // Questions about bleeding or blood pressure also say what to do if it is happening now.
    if (question.kind === 'yes-no' && question.saysWhatToDoNow) keys.push(`precheck:questions.${question.id}.now`);
    return step.prompt(promptId, promptOptions({ keys, params, choices, retryKey, allowBack: true }));
  }

  private async recordAnswerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: PrecheckOptions = precheckOptionsSchema.parse(step.options ?? {});
    const answers = options.answers ?? {};
    const history = options.history ?? [];
    const questionId = options.questionId ?? nextQuestionId(this.criteria, {});
    if (questionId === undefined) return step.endDialog();
    if (isBack(step.result)) {
      const previous = stepBack(history, answers);
      // "Back" at the first question leaves the pre-check for the menu.
      return previous ? step.replaceDialog(dialogIds.precheckSteps, previous satisfies PrecheckOptions) : step.endDialog();
    }
    const nextAnswers = { ...answers, [questionId]: answerOf(step.result) ?? '' };
    await this.replyToFlaggedAnswer(step.context, questionId, nextAnswers[questionId]);
    const nextHistory = [...history, questionId];
    const next = endsEarly(this.criteria, questionId, nextAnswers) ? undefined : nextQuestionId(this.criteria, nextAnswers, questionId);
    if (next !== undefined) return step.replaceDialog(dialogIds.precheckSteps, { questionId: next, answers: nextAnswers, history: nextHistory } satisfies PrecheckOptions);
    return step.replaceDialog(this.outcomeStepsId, { answers: nextAnswers, history: nextHistory } satisfies PrecheckOptions);
  }

  private async showOutcomeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { answers = {} }: PrecheckOptions = precheckOptionsSchema.parse(step.options ?? {});
    const evaluation = evaluatePrecheck(this.criteria, answers);
    await this.services.precheckMemory.set(step.context, precheckSummary(this.criteria, answers, evaluation));
    recordStudyEvent(this.services, step.context, { type: 'precheckFinished', outcome: evaluation.outcome });
    const locale = turnLocale(step.context);
    const t = this.services.i18n.getFixedT(locale);
    await step.context.sendActivity(precheckOutcomeText(t, this.criteria, evaluation, turnRoleContext(step.context), siteTextParams(this.services, locale)));
    return step.prompt(this.nextPromptId, promptOptions({ keys: ['precheck:outcome.next'], choices: nextChoices, allowBack: true }));
  }

  private async followChoiceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: PrecheckOptions = precheckOptionsSchema.parse(step.options ?? {});
    if (isBack(step.result)) {
      const previous = stepBack(options.history ?? [], options.answers ?? {});
      return previous ? step.replaceDialog(dialogIds.precheckSteps, previous satisfies PrecheckOptions) : step.endDialog();
    }
    // The hand-off reads the result from precheckMemory, so nothing is passed to it.
    const choice = answerOf(step.result);
    if (choice === handoffValue) return step.beginDialog(dialogIds.handoff);
    if (choice === learnValue) return step.beginDialog(dialogIds.topics, { topicId: learnTopicId } satisfies TopicOptions);
    return step.endDialog();
  }

  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog();
  }

  /**
   * A flagged answer about something that may be happening now (recent bleeding, uncontrolled blood pressure)
   * gets a reply before the next question: what to do if it is happening now, with the site's emergency number.
   */
  private async replyToFlaggedAnswer(context: TurnContext, questionId: string, answer: string | undefined): Promise<void> {
    const question = questionById(this.criteria, questionId);
    if (question?.kind !== 'yes-no' || !question.saysWhatToDoNow || answer !== question.flagWhen) return;
    const t = this.services.i18n.getFixedT(turnLocale(context));
    await context.sendActivity(t(`precheck:questions.${question.id}.flaggedReply`, { emergencyNumber: this.services.site.emergencyNumber, context: turnRoleContext(context) }));
  }

  private async sendIntroduction(context: TurnContext): Promise<void> {
    const t = this.services.i18n.getFixedT(turnLocale(context));
    const roleContext = turnRoleContext(context);
    const { total } = progressOf(this.criteria, this.criteria.questions[0]?.id ?? '');
    const paragraphs = ['precheck:intro.what', 'precheck:intro.notDiagnosis', 'precheck:intro.howTo'].map((key) => t(key, { total, context: roleContext }));
    await context.sendActivity(paragraphs.join('\n\n'));
  }

  /** Dialog ids are persisted: this one must stay stable for a question id. */
  private ownAnswersPromptId(questionId: string): string {
    return `${this.yesNoPromptId}.${questionId}`;
  }

  private promptFor(question: PrecheckQuestion): { promptId: string; choices: ChoiceSpec[]; retryKey: string } {
    switch (question.kind) {
      case 'age':
        return { promptId: this.agePromptId, choices: [unsureChoice], retryKey: 'precheck:retry.age' };
      case 'medicine':
        return { promptId: this.medicinePromptId, choices: medicineChoices, retryKey: 'precheck:retry.medicine' };
      case 'yes-no':
        return {
          promptId: questionsWithOwnAnswers.includes(question.id) ? this.ownAnswersPromptId(question.id) : this.yesNoPromptId,
          choices: yesNoChoices,
          retryKey: 'precheck:retry.choice',
        };
    }
  }
}
