import type { TurnContext } from 'botbuilder';
import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { z } from 'zod';
import type { DialogServices } from '../dialog-services';
import { parseContactPhone } from '../handoff/contact-phone';
import { yesNoChoices } from '../handoff/handoff-choices';
import { publicContactText } from '../handoff/public-contact';
import { dialogIds } from '../ids';
import { AnswerPrompt, answerOf, promptOptions } from '../shared/answer-prompt';
import { optionalField } from '../shared/persisted-options';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { turnLocale } from '../shared/turn-locale';
import { extractReference } from './reference-input';

export interface EraseDialogOptions {
  /**
   * Erases a referral sent from another conversation when both its reference and the phone number given with
   * it match (E.164). False when either does not; rejects when this person has tried too often (limited like
   * referral lookups) or storage fails.
   */
  eraseReferral(reference: string, phone: string, context: TurnContext): Promise<boolean>;
}

interface EraseStepOptions {
  /** Asked again after a referral from another chat was handled: only this chat is left to decide on. */
  again?: boolean;
}

/** Stored with the dialog stack and read back on a later turn: checked (malformed reads as the first asking). */
export const eraseOptionsSchema: z.ZodType<EraseStepOptions> = z.object({ again: optionalField(z.boolean()) }).catch({});

/**
 * "Delete my data". A yes erases this conversation's saved answers, its referrals and their pending notifications,
 * then says exactly what went. A conversation cannot see referrals sent from another one (a reloaded page is a
 * new Direct Line conversation), so the question also accepts a reference: with the phone number given with it,
 * that referral is erased too. WeChat keys its conversation by the openid, so there "this chat" is the account.
 */
export class EraseDialog extends ComponentDialog {
  private readonly confirmPromptId = `${dialogIds.erase}.confirm`;
  private readonly phonePromptId = `${dialogIds.erase}.phone`;

  constructor(
    private readonly services: DialogServices,
    private readonly options: EraseDialogOptions,
  ) {
    super(dialogIds.erase);
    const questionHandler = createMidPromptQuestionHandler(services);
    // The choices come first; anything else that reads as a reference is one.
    this.addDialog(new AnswerPrompt(this.confirmPromptId, services.i18n, { onQuestion: questionHandler, parse: (text) => extractReference(text) }));
    this.addDialog(new AnswerPrompt(this.phonePromptId, services.i18n, { onQuestion: questionHandler, parse: (text, locale) => parseContactPhone(text, locale) }));
    this.addDialog(new WaterfallDialog(dialogIds.eraseSteps, [this.confirmStep.bind(this), this.routeStep.bind(this), this.eraseEarlierStep.bind(this)]));
    this.initialDialogId = dialogIds.eraseSteps;
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const again = eraseOptionsSchema.parse(step.options ?? {}).again === true;
    const keys = again ? ['handoff:erase.questionThisChat'] : ['handoff:erase.question', 'handoff:erase.otherChats'];
    return step.prompt(this.confirmPromptId, promptOptions({ keys, choices: yesNoChoices, allowBack: true }));
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.services.i18n.getFixedT(turnLocale(step.context));
    // "Back" and "no" both keep everything.
    const answer = answerOf(step.result) ?? 'no';
    if (answer === 'yes') return this.eraseThisChat(step);
    const reference = answer === 'no' ? undefined : extractReference(answer);
    if (!reference) {
      // After a referral from another chat was erased, "nothing deleted" would not be true.
      const again = eraseOptionsSchema.parse(step.options ?? {}).again === true;
      await step.context.sendActivity(t(again ? 'handoff:erase.keptThisChat' : 'handoff:erase.kept'));
      return step.endDialog();
    }
    (step.values as { reference?: string }).reference = reference;
    return step.prompt(this.phonePromptId, promptOptions({ keys: ['handoff:erase.phonePrompt'], params: { reference }, retryKey: 'handoff:ask.phoneRetry', allowBack: true }));
  }

  /** Only the outcome is kept: the typed phone number is compared and dropped, never stored in dialog state. */
  private async eraseEarlierStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.services.i18n.getFixedT(turnLocale(step.context));
    const reference = optionalField(z.string()).parse((step.values as Record<string, unknown>)['reference']) ?? '';
    const phone = answerOf(step.result);
    if (phone) {
      const { coordinator } = this.services.site;
      try {
        const erased = await this.options.eraseReferral(reference, phone, step.context);
        await step.context.sendActivity(
          erased
            ? `${t('handoff:erase.earlierDone', { reference })}\n\n${t('handoff:erase.alreadyDelivered', { phone: coordinator.phone, email: coordinator.email })}`
            : t('handoff:erase.earlierNotFound', { reference, phone: coordinator.phone }),
        );
      } catch {
        // Too many tries or a storage failure (the composition root logs which): nothing was erased.
        await step.context.sendActivity(`${t('handoff:erase.failed')}\n\n${publicContactText(this.services, step.context)}`);
      }
    }
    return step.replaceDialog(dialogIds.eraseSteps, { again: true } satisfies EraseStepOptions);
  }

  private async eraseThisChat(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.services.i18n.getFixedT(turnLocale(step.context));
    let referrals: number;
    try {
      ({ referrals } = await this.services.eraseConversation(step.context));
    } catch {
      // The composition root logs the cause; the person must not be told anything was deleted.
      await step.context.sendActivity(`${t('handoff:erase.failed')}\n\n${publicContactText(this.services, step.context)}`);
      return step.endDialog();
    }
    const { coordinator } = this.services.site;
    const doneKey = referrals === 0 ? 'handoff:erase.doneNoReferral' : referrals === 1 ? 'handoff:erase.doneOneReferral' : 'handoff:erase.doneReferrals';
    const paragraphs = [t(doneKey, { count: referrals })];
    if (referrals > 0) paragraphs.push(t('handoff:erase.alreadyDelivered', { phone: coordinator.phone, email: coordinator.email }));
    // What this chat could not see is said plainly, with the way to erase it.
    paragraphs.push(t('handoff:erase.otherChatsRoute', { phone: coordinator.phone }));
    await step.context.sendActivity(paragraphs.join('\n\n'));
    return step.endDialog({ erased: true, referrals });
  }
}
