import type { TurnContext } from 'botbuilder';
import { ComponentDialog, type Dialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { isLocale } from '../../src/i18n/locales';
import { AskQuestionDialog } from '../ask/ask-question-dialog';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import type { AskOptions } from '../ask/ask-question-dialog';
import { AnswerPrompt, answerOf, type PromptResult, promptOptions } from '../shared/answer-prompt';
import { beginIntent } from '../shared/intent-routing';
import type { ChoiceSpec } from '../shared/localized-choices';
import { mainOptionsSchema } from '../shared/persisted-options';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { type Role, setTurnProfile, turnInterpretation, turnLocale, turnRole } from '../shared/turn-locale';
import { TopicDialog } from '../topics/topic-dialog';
import { topicTree } from '../topics/topic-tree';

export interface MainOptions {
  /** Send the welcome (conversation start, first message, restart). */
  greet?: boolean;
  /** Ask for the language even if one is known ("language" command). */
  chooseLanguage?: boolean;
  /** Go straight to this intent instead of showing the menu (global commands such as "talk to a person"). */
  start?: string;
  /** What the person typed as their very first message: handled right after the welcome, never lost. */
  firstMessage?: string;
}

const languageChoices: ChoiceSpec[] = [
  { value: 'en', labelKey: 'common:language.en', synonymsKey: 'common:language.enSynonyms' },
  { value: 'zh-Hans', labelKey: 'common:language.zhHans', synonymsKey: 'common:language.zhHansSynonyms' },
  { value: 'zh-Hant', labelKey: 'common:language.zhHant', synonymsKey: 'common:language.zhHantSynonyms' },
];

/** The menu's values are the intents they start ('about' is the topic tree's root), except "Ask a question". */
const askValue = 'ask';
const menuChoices: ChoiceSpec[] = [
  { value: 'about', labelKey: 'common:menu.about', synonymsKey: 'common:menu.aboutSynonyms' },
  { value: 'precheck', labelKey: 'common:menu.precheck', synonymsKey: 'common:menu.precheckSynonyms' },
  { value: 'handoff', labelKey: 'common:menu.handoff', synonymsKey: 'common:menu.handoffSynonyms' },
  { value: askValue, labelKey: 'common:menu.ask', synonymsKey: 'common:menu.askSynonyms' },
];

/**
 * The conversation's spine: language, welcome, then the main menu (or what the first message asked for), looping
 * back to the menu after every path. Typed questions at the menu are answered directly. Nobody is asked who is
 * asking here: the pre-check and the hand-off ask it when they need it and nobody has said (dialogs/shared/role-question.ts).
 */
export class MainDialog extends ComponentDialog {
  private readonly languagePromptId = `${dialogIds.main}.language`;
  private readonly rolePromptId = `${dialogIds.main}.role`;
  private readonly menuPromptId = `${dialogIds.main}.menu`;
  private readonly questionHandler: ReturnType<typeof createMidPromptQuestionHandler>;

  constructor(
    private readonly services: DialogServices,
    /** The pre-check, hand-off and data dialogs, built by the composition root. */
    otherDialogs: Dialog[] = [],
  ) {
    super(dialogIds.main);
    const questionHandler = createMidPromptQuestionHandler(services);
    this.questionHandler = questionHandler;
    this.addDialog(new AnswerPrompt(this.languagePromptId, services.i18n));
    // "Who is asking?" after the welcome is no longer asked; kept only for conversations saved while it was open
    // (their next message resumes there). A question typed there is answered and the question asked again, unless
    // the message said who is asking ("can my father join?"): then it is handled as at the menu.
    const roleKnown = (context: TurnContext) => turnRole(context) !== undefined;
    this.addDialog(new AnswerPrompt(this.rolePromptId, services.i18n, { onQuestion: questionHandler, returns: ['question', 'smallTalk', 'outOfScope', 'unclear'], returnsWhen: roleKnown }));
    // Everything typed at the menu that is not a menu item is a question for "Ask a question" (a stray word is asked again).
    this.addDialog(new AnswerPrompt(this.menuPromptId, services.i18n, { returns: ['question', 'smallTalk', 'outOfScope', 'unclear'] }));
    this.addDialog(new TopicDialog(services));
    this.addDialog(new AskQuestionDialog(services));
    for (const dialog of otherDialogs) this.addDialog(dialog);
    this.addDialog(
      new WaterfallDialog(dialogIds.mainSteps, [
        this.chooseLanguageStep.bind(this),
        this.welcomeStep.bind(this),
        this.rememberRoleStep.bind(this),
        this.routeStep.bind(this),
        this.loopStep.bind(this),
      ]),
    );
    this.initialDialogId = dialogIds.mainSteps;
  }

  private async chooseLanguageStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: MainOptions = mainOptionsSchema.parse(step.options ?? {});
    const profile = await this.services.profile.get(step.context);
    if (profile.locale && !options.chooseLanguage) return step.next();
    return step.prompt(this.languagePromptId, promptOptions({ keys: ['common:language.prompt'], choices: languageChoices }));
  }

  private async welcomeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // The stored object itself, not a checked copy: handleFirstMessage sets `start` on it for rememberRoleStep (which checks it).
    const options = (step.options ?? {}) as MainOptions;
    const chosen = answerOf(step.result);
    if (isLocale(chosen)) {
      await this.services.profile.update(step.context, { locale: chosen });
      const profile = await this.services.profile.get(step.context);
      setTurnProfile(step.context, chosen, profile.role);
      if (!options.greet) await step.context.sendActivity(this.services.i18n.getFixedT(chosen)('common:language.changed'));
    }
    if (options.greet) {
      const locale = turnLocale(step.context);
      const t = this.services.i18n.getFixedT(locale);
      const { site } = this.services;
      await step.context.sendActivity(t('common:welcome.greeting', { siteName: site.siteName[locale] }));
      await step.context.sendActivity(t('common:welcome.notForEmergencies', { emergencyNumber: site.emergencyNumber }));
    }
    if (options.firstMessage) await this.handleFirstMessage(step, options);
    return step.next();
  }

  /**
   * The first message of a conversation that began without a join event (WeChat without the follow event, the
   * connector): after the welcome, a request for the pre-check or the study team is started at once (they ask who
   * is asking if they need to), and a question is answered before the menu.
   */
  private async handleFirstMessage(step: WaterfallStepContext, options: MainOptions): Promise<void> {
    const text = options.firstMessage ?? '';
    // The bot interpreted this very message already (no question was open).
    const interpretation = turnInterpretation(step.context);
    // "Hello" needs no answer of its own: the welcome was the answer; nor does a stray word or sentence.
    if (!interpretation || interpretation.kind === 'smallTalk') return;
    if (interpretation.kind === 'question' && !topicTree.topics.has(interpretation.intent)) {
      options.start = interpretation.intent;
      return;
    }
    if (interpretation.kind === 'question' || interpretation.kind === 'outOfScope' || (interpretation.kind === 'unclear' && interpretation.form === 'question')) {
      await this.questionHandler(step.context, interpretation, text);
    }
  }

  /** The menu, or what was asked for. A role answered here comes only from a conversation saved at the old "Who is asking?". */
  private async rememberRoleStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const answer = answerOf(step.result);
    if (answer === 'patient' || answer === 'family' || answer === 'other') {
      const role: Role = answer;
      await this.services.profile.update(step.context, { role });
      setTurnProfile(step.context, turnLocale(step.context), role);
    }
    const { start }: MainOptions = mainOptionsSchema.parse(step.options ?? {});
    if (start) return step.next({ kind: 'answer', value: start } satisfies PromptResult);
    if ((step.result as PromptResult | undefined)?.kind === 'question') return step.next(step.result);
    return step.prompt(this.menuPromptId, promptOptions({ keys: ['common:menu.prompt'], choices: menuChoices }));
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as PromptResult | undefined;
    if (result?.kind === 'question') return step.beginDialog(dialogIds.ask, { question: { text: result.text, interpretation: result.interpretation } } satisfies AskOptions);
    const answer = answerOf(result);
    if (answer === askValue) return step.beginDialog(dialogIds.ask, {} satisfies AskOptions);
    const started = answer ? await beginIntent(step, answer) : undefined;
    return started ?? step.next();
  }

  private async loopStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.replaceDialog(dialogIds.mainSteps, {} satisfies MainOptions);
  }
}
