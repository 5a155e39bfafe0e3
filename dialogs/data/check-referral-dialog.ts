import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { z } from 'zod';
import { formatDate } from '../../src/i18n/locales';
import type { ReferralSummary } from '../../src/storage/ports';
import type { DialogServices } from '../dialog-services';
import { publicContactText } from '../handoff/public-contact';
import { dialogIds } from '../ids';
import { AnswerPrompt, answerOf, type PromptResult, promptOptions } from '../shared/answer-prompt';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { turnLocale } from '../shared/turn-locale';
import { extractReference } from './reference-input';

export interface CheckReferralOptions {
  /** A reference already typed with the command, to look up without asking. */
  reference?: string;
}

/** Stored with the dialog stack and read back on a later turn: checked (a malformed reference is as if none was typed). */
export const checkReferralOptionsSchema: z.ZodType<CheckReferralOptions> = z.object({ reference: z.string().optional().catch(undefined) }).catch({});

/**
 * "Check my referral": the status of a referral, by its reference, in plain words with the date of the last
 * change. Shows nothing personal: whoever holds the reference learns only how far the call-back has got.
 */
export class CheckReferralDialog extends ComponentDialog {
  private readonly referencePromptId = `${dialogIds.checkReferral}.reference`;

  constructor(private readonly services: DialogServices) {
    super(dialogIds.checkReferral);
    this.addDialog(new AnswerPrompt(this.referencePromptId, services.i18n, { onQuestion: createMidPromptQuestionHandler(services), parse: (text) => extractReference(text) }));
    this.addDialog(new WaterfallDialog(dialogIds.checkReferralSteps, [this.askReferenceStep.bind(this), this.showStatusStep.bind(this)]));
    this.initialDialogId = dialogIds.checkReferralSteps;
  }

  private async askReferenceStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const given = extractReference(checkReferralOptionsSchema.parse(step.options ?? {}).reference ?? '');
    if (given) return step.next({ kind: 'answer', value: given } satisfies PromptResult);
    return step.prompt(this.referencePromptId, promptOptions({ keys: ['handoff:check.prompt'], retryKey: 'handoff:check.retry', allowBack: true }));
  }

  private async showStatusStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const reference = extractReference(answerOf(step.result) ?? '');
    if (!reference) return step.endDialog();
    const locale = turnLocale(step.context);
    const t = this.services.i18n.getFixedT(locale);
    let referral: ReferralSummary | undefined;
    try {
      referral = await this.services.findReferral(reference, step.context);
    } catch {
      // The composition root logs the cause; a lookup failure is not "not found".
      await step.context.sendActivity(`${t('handoff:check.failed')}\n\n${publicContactText(this.services, step.context)}`);
      return step.endDialog();
    }
    if (!referral) {
      await step.context.sendActivity(`${t('handoff:check.notFound', { reference })}\n\n${publicContactText(this.services, step.context)}`);
      return step.endDialog();
    }
    // On the site's calendar (the site file's timeZone): the date the study team and the person both see.
    const date = formatDate(referral.updatedAt, locale, this.services.site.timeZone);
    const paragraphs = [t('handoff:check.status', { reference: referral.reference, status: t(`handoff:check.statuses.${referral.status}`), date })];
    if (referral.status === 'unreachable') paragraphs.push(publicContactText(this.services, step.context));
    await step.context.sendActivity(paragraphs.join('\n\n'));
    return step.endDialog();
  }
}
