import type { Activity, TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult, Prompt, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import type { i18n } from 'i18next';
import type { Locale } from '../../src/i18n/locales';
import { choiceMessage } from './choice-message';
import { type ChoiceSpec, localizeChoices } from './localized-choices';
import { type Interpretation, interpretTurn, type OpenQuestion, type QuestionInterpretation, type TurnInterpreterServices } from './interpret-turn';
import { setTurnInterpretation, takeRoleNote, turnInterpretation, turnLocale, turnRole, turnRoleContext } from './turn-locale';

/** A prompt run without the bot (which interprets every turn first) reads answers only, never questions. */
const noRecognizer: TurnInterpreterServices = {
  isMedicalDecisionRequest: () => false,
  recognizeQuestion: () => ({ intent: undefined, kind: 'outOfScope', score: 0, margin: 0, confident: false, alternatives: [] }),
};

/**
 * What a prompt hands its waterfall, decided by the turn's interpretation (interpretTurn's precedence table):
 * the answer; "back" (the person asked for the previous question); or, at a prompt that takes questions (the
 * menu, a topic, "Ask a question"), the question itself with what the recognizer made of it.
 */
export type PromptResult =
  | { readonly kind: 'answer'; readonly value: string }
  | { readonly kind: 'back' }
  | { readonly kind: 'question'; readonly text: string; readonly interpretation: QuestionInterpretation };

/** The answer of a prompt's result; undefined for "back" or a question. */
export function answerOf(result: unknown): string | undefined {
  const typed = result as PromptResult | undefined;
  return typed?.kind === 'answer' ? typed.value : undefined;
}

export function isBack(result: unknown): boolean {
  return (result as PromptResult | undefined)?.kind === 'back';
}

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

/** Parses a free-text answer; undefined means "not an answer, ask again". Never sees a question (interpretTurn). */
export type AnswerParser = (text: string, locale: Locale) => string | undefined;

/**
 * Answers a question, small talk or an unplaceable question typed in the middle of a prompt. Returns true when
 * it replied; the prompt then asks its question again as the next message.
 */
export type MidPromptQuestionHandler = (context: TurnContext, interpretation: QuestionInterpretation, text: string) => Promise<boolean>;

export interface AnswerPromptBehaviour {
  /** Parses typed answers the choices do not cover (ages, medicines, names). */
  parse?: AnswerParser;
  /** Answers what is not an answer, then asks again. Without it such a message gets the retry line. */
  onQuestion?: MidPromptQuestionHandler;
  /**
   * Kinds of message handed to the waterfall as `{ kind: 'question' }` instead of being answered here: the
   * menu takes every question, a topic jumps to the one asked. An unclear fragment ("xyz") is never handed on.
   */
  returns?: readonly QuestionInterpretation['kind'][];
  /** Hands on `returns` only when this holds for the turn (the role prompt: once the role is known). */
  returnsWhen?: (context: TurnContext) => boolean;
  /** The prompt asks for a question ("Ask a question"): nothing typed is read as an answer. */
  asksForQuestion?: boolean;
}

/**
 * The one prompt TrialGuide uses: choices (buttons AND typed words or numbers, in every language) or a
 * parsed free-text answer. It acts on the turn's interpretation: an answer ends it, "back" ends it, a question
 * is handed on or answered before the question is asked again — so a question never derails a dialog.
 */
export class AnswerPrompt extends Prompt<PromptResult> {
  constructor(
    dialogId: string,
    private readonly i18nInstance: i18n,
    private readonly behaviour: AnswerPromptBehaviour = {},
  ) {
    super(dialogId);
  }

  /** The question this prompt has open, for the turn interpreter: its localized choices and its parser. */
  openQuestion(context: TurnContext, settings: AnswerPromptSettings): OpenQuestion {
    const locale = turnLocale(context);
    const choices = settings.choices?.length ? localizeChoices(this.i18nInstance, locale, settings.choices, turnRoleContext(context)) : [];
    const kind = choices.length > 0 ? 'choice' : this.behaviour.asksForQuestion ? 'question' : 'freeText';
    return { kind, choices, parse: this.behaviour.parse };
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const { activity } = dc.context;
    const settings = settingsOf(dc.activeDialog?.state);
    const text = (activity.text ?? '').trim();
    if (activity.type !== 'message' || !settings || !text) return super.continueDialog(dc);
    // Decided once per turn by the bot, which stores it; computed here only for a prompt run on its own.
    const interpretation = turnInterpretation(dc.context) ?? interpretTurn(noRecognizer, text, this.openQuestion(dc.context, settings), turnLocale(dc.context));
    setTurnInterpretation(dc.context, interpretation);
    if (interpretation.kind === 'command' && interpretation.command === 'back' && settings.allowBack) return dc.endDialog({ kind: 'back' } satisfies PromptResult);
    if (isQuestion(interpretation)) {
      if (this.hands(interpretation) && (this.behaviour.returnsWhen?.(dc.context) ?? true)) return dc.endDialog({ kind: 'question', text: text.slice(0, 500), interpretation } satisfies PromptResult);
      if (await this.answers(dc.context, interpretation, text, settings)) {
        if (dc.activeDialog) await this.repromptDialog(dc.context, dc.activeDialog);
        return Dialog.EndOfTurn;
      }
    }
    // "Yes, but what about the side effects?": the question is answered first, then the answer recorded.
    const { followUp } = interpretation.kind === 'answer' ? interpretation : {};
    if (followUp && this.behaviour.onQuestion) await this.behaviour.onQuestion(dc.context, followUp.interpretation, followUp.text);
    return super.continueDialog(dc);
  }

  private hands(interpretation: QuestionInterpretation): boolean {
    if (interpretation.kind === 'unclear' && interpretation.form === 'fragment') return false;
    return this.behaviour.asksForQuestion === true || (this.behaviour.returns ?? []).includes(interpretation.kind);
  }

  /**
   * A question, small talk or something out of scope is answered (true: the prompt then asks again); an unclear
   * question at a choice gets "no approved answer". False: the retry line.
   */
  private async answers(context: TurnContext, interpretation: QuestionInterpretation, text: string, settings: AnswerPromptSettings): Promise<boolean> {
    const { onQuestion } = this.behaviour;
    if (!onQuestion) return false;
    if (interpretation.kind === 'unclear' && (interpretation.form !== 'question' || !settings.choices?.length)) return false;
    return onQuestion(context, interpretation, text);
  }

  protected override async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const settings = options.validations as AnswerPromptSettings;
    const t = this.i18nInstance.getFixedT(turnLocale(context));
    const roleContext = turnRoleContext(context);
    // One i18next context per text: the role's wording where the text has it (…_family), else the params' own
    // context (a topic's site variant, e.g. topics:locations.answer_studySite), else none.
    const paramsContext = typeof settings.params?.context === 'string' ? settings.params.context : undefined;
    const contextOf = (key: string) => (roleContext && this.i18nInstance.exists(`${key}_${roleContext}`, { lng: turnLocale(context) }) ? roleContext : paramsContext);
    const paragraphs = settings.keys.map((key) => t(key, { ...settings.params, context: contextOf(key) }));
    if (isRetry) paragraphs.unshift(t(settings.retryKey ?? (settings.choices?.length ? 'common:prompt.retryChoice' : 'common:prompt.retryText')));
    // "My father…" / "I'm the patient": the role was inferred or stated this turn, and the next question says so in one short line.
    if (takeRoleNote(context)) paragraphs.unshift(t('common:role.noted', { context: turnRole(context) }));
    const text = paragraphs.join('\n\n');
    const choices = settings.choices?.length ? localizeChoices(this.i18nInstance, turnLocale(context), settings.choices, roleContext) : [];
    const message: Partial<Activity> = choices.length > 0 ? choiceMessage(context.activity.channelId, text, choices) : { type: 'message', text, inputHint: 'expectingInput' };
    await context.sendActivity(message);
  }

  protected override async onRecognize(context: TurnContext): Promise<PromptRecognizerResult<PromptResult>> {
    // The turn's interpretation found the answer (also the one before a follow-up question), or there is none.
    const interpretation = turnInterpretation(context);
    return interpretation?.kind === 'answer' ? { succeeded: true, value: { kind: 'answer', value: interpretation.value } } : { succeeded: false };
  }
}

function isQuestion(interpretation: Interpretation): interpretation is QuestionInterpretation {
  return interpretation.kind === 'question' || interpretation.kind === 'smallTalk' || interpretation.kind === 'outOfScope' || interpretation.kind === 'unclear';
}

function settingsOf(state: unknown): AnswerPromptSettings | undefined {
  return (state as { options?: PromptOptions } | undefined)?.options?.validations as AnswerPromptSettings | undefined;
}
