import type { Activity, TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult, Prompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import type { i18n } from 'i18next';
import type { Locale } from '../../src/i18n/locales';
import { choiceMessage } from './choice-message';
import { matchChoice } from './choices';
import { type ChoiceSpec, localizeChoices } from './localized-choices';
import { turnCommand, turnLocale, turnRoleContext } from './turn-locale';

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

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const { activity } = dc.context;
    const settings = settingsOf(dc.activeDialog?.state);
    if (activity.type === 'message' && settings) {
      if (turnCommand(dc.context) === 'back' && settings.allowBack) return dc.endDialog(backAnswer);
      const text = (activity.text ?? '').trim();
      const freeText = !settings.choices?.length;
      const recognised = text ? this.recognise(dc.context, text, settings) : undefined;
      const mayBeQuestion = recognised === undefined || (freeText && looksLikeQuestion(text));
      if (text && mayBeQuestion && (await this.handleQuestion(dc.context, text, freeText))) {
        if (dc.activeDialog) await this.repromptDialog(dc.context, dc.activeDialog);
        return Dialog.EndOfTurn;
      }
    }
    return super.continueDialog(dc);
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

/** A typed question rather than an answer: a question mark, or a question word at the start or end. */
export function looksLikeQuestion(text: string): boolean {
  return (
    /[?？]\s*$/u.test(text) ||
    /^(what|how|why|when|where|who|which|is|are|can|could|does|do|will|should|would)\b/i.test(text) ||
    /(吗|嗎|呢|什么|什麼|怎么|怎麼|为什么|為什麼|多少|幾多|点样|點樣|咩|邊個|哪)/u.test(text)
  );
}
