import type { Activity, TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult, Prompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import type { i18n } from 'i18next';
import type { Locale } from '../../src/i18n/locales';
import { choiceMessage } from './choice-message';
import { matchChoice } from './choices';
import { type ChoiceSpec, localizeChoices } from './localized-choices';
import { type Interpretation, interpretTurn, looksLikeQuestion, type OpenQuestion, type TurnInterpreterServices } from './interpret-turn';
import { setTurnInterpretation, turnCommand, turnInterpretation, turnLocale, turnRoleContext } from './turn-locale';

/** A prompt run without the bot (which interprets every turn first) reads answers only, never questions. */
const noRecognizer: TurnInterpreterServices = {
  isMedicalDecisionRequest: () => false,
  recognizeQuestion: () => ({ intent: undefined, kind: 'outOfScope', score: 0, margin: 0, confident: false, alternatives: [] }),
};

/** Returned instead of an answer when the person asked to go back one question. */
export const backAnswer = '__back';

/**
 * What a prompt shows, as i18n keys and parameters (stored in dialog state between turns, rendered in the
 * conversation's language each time it is shown).
 */
export interface AnswerPromptSettings {
  /** Paragraphs of the question, joined by blank lines. */
  keys: string[];
  params?: Record<string, string | number>;
  choices?: ChoiceSpec[];
  /** Key of the line shown before the question when the answer was not understood. */
  retryKey?: string;
  /** Offer "back" (the previous question) as an answer. */
  allowBack?: boolean;
}

export function promptOptions(settings: AnswerPromptSettings): PromptOptions {
  return { validations: settings };
}

/** Parses a free-text answer; undefined means "not an answer, ask again". */
export type AnswerParser = (text: string, locale: Locale) => string | undefined;

/**
 * Answers a question typed in the middle of a prompt (e.g. "what are the side effects?"). Returns true
 * when it replied; the prompt then asks its question again.
 */
export type MidPromptQuestionHandler = (context: TurnContext, text: string, freeTextExpected: boolean) => Promise<boolean>;

/**
 * The one prompt TrialGuide uses: choices (buttons AND typed words or numbers, in every language) or a
 * parsed free-text answer. Before treating unrecognised input as a wrong answer it lets the question
 * handler answer a question, then re-asks — so a question never derails a dialog.
 */
export class AnswerPrompt extends Prompt<string> {
  constructor(
    dialogId: string,
    private readonly i18nInstance: i18n,
    private readonly handleQuestion: MidPromptQuestionHandler,
    private readonly parse?: AnswerParser,
  ) {
    super(dialogId);
  }

  /** The question this prompt has open, for the turn interpreter: its localized choices and its parser. */
  openQuestion(context: TurnContext, settings: AnswerPromptSettings): OpenQuestion {
    const locale = turnLocale(context);
    const choices = settings.choices?.length ? localizeChoices(this.i18nInstance, locale, settings.choices, turnRoleContext(context)) : [];
    return { kind: choices.length > 0 ? 'choice' : 'freeText', choices, parse: this.parse };
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const { activity } = dc.context;
    const settings = settingsOf(dc.activeDialog?.state);
    if (activity.type === 'message' && settings) {
      if (turnCommand(dc.context) === 'back' && settings.allowBack) return dc.endDialog(backAnswer);
      const text = (activity.text ?? '').trim();
      if (text) {
        // Decided once per turn by the bot, which stores it; computed here only for a prompt run on its own.
        const interpretation = turnInterpretation(dc.context) ?? interpretTurn(noRecognizer, text, this.openQuestion(dc.context, settings), turnLocale(dc.context));
        setTurnInterpretation(dc.context, interpretation);
        if (await this.answerIfNotAnAnswer(dc.context, text, interpretation, !settings.choices?.length)) {
          if (dc.activeDialog) await this.repromptDialog(dc.context, dc.activeDialog);
          return Dialog.EndOfTurn;
        }
        // "Yes, but what about the side effects?": the answer is recorded below, the question answered first.
        if (interpretation.kind === 'answer' && interpretation.followUp) await this.handleQuestion(dc.context, interpretation.followUp, true);
      }
    }
    return super.continueDialog(dc);
  }

  /**
   * What the prompt does with a message that is not an answer: a question, small talk or something out of scope
   * is answered (true: the prompt then asks again); an unclear question at a choice gets "no approved answer".
   * False lets the prompt take the text as its answer or say it did not catch it.
   */
  private async answerIfNotAnAnswer(context: TurnContext, text: string, interpretation: Interpretation, freeText: boolean): Promise<boolean> {
    switch (interpretation.kind) {
      case 'question':
      case 'smallTalk':
      case 'outOfScope':
        return this.handleQuestion(context, text, freeText);
      case 'unclear':
        return !freeText && looksLikeQuestion(text) ? this.handleQuestion(context, text, freeText) : false;
      default:
        return false;
    }
  }

  protected override async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const settings = options.validations as AnswerPromptSettings;
    const t = this.i18nInstance.getFixedT(turnLocale(context));
    const roleContext = turnRoleContext(context);
    const paragraphs = settings.keys.map((key) => t(key, { ...settings.params, context: roleContext }));
    if (isRetry) paragraphs.unshift(t(settings.retryKey ?? (settings.choices?.length ? 'common:prompt.retryChoice' : 'common:prompt.retryText')));
    const text = paragraphs.join('\n\n');
    const choices = settings.choices?.length ? localizeChoices(this.i18nInstance, turnLocale(context), settings.choices, roleContext) : [];
    const message: Partial<Activity> = choices.length > 0 ? choiceMessage(context.activity.channelId, text, choices) : { type: 'message', text, inputHint: 'expectingInput' };
    await context.sendActivity(message);
  }

  protected override async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<string>> {
    // The turn's interpretation already found the answer (also the one before a follow-up question).
    const interpretation = turnInterpretation(context);
    if (interpretation?.kind === 'answer') return { succeeded: true, value: interpretation.value };
    const text = (context.activity.text ?? '').trim();
    const value = text ? this.recognise(context, text, options.validations as AnswerPromptSettings) : undefined;
    return value === undefined ? { succeeded: false } : { succeeded: true, value };
  }

  private recognise(context: TurnContext, text: string, settings: AnswerPromptSettings): string | undefined {
    const locale = turnLocale(context);
    if (settings.choices?.length) {
      const choices = localizeChoices(this.i18nInstance, locale, settings.choices, turnRoleContext(context));
      return matchChoice(text, choices)?.value ?? this.parse?.(text, locale);
    }
    return this.parse ? this.parse(text, locale) : text.slice(0, 500);
  }
}

function settingsOf(state: unknown): AnswerPromptSettings | undefined {
  return (state as { options?: PromptOptions } | undefined)?.options?.validations as AnswerPromptSettings | undefined;
}

export { looksLikeQuestion } from './interpret-turn';
