import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { DialogServices } from '../dialog-services';
import { yesNoChoices } from '../handoff/handoff-choices';
import { publicContactText } from '../handoff/public-contact';
import { dialogIds } from '../ids';
import { AnswerPrompt, promptOptions } from '../shared/answer-prompt';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { turnLocale } from '../shared/turn-locale';

/**
 * "Delete my data": after a yes, erases this conversation's saved answers, its referrals and their pending
 * notifications, then says exactly what went — and how to reach the team for anything they already received.
 */
export class EraseDialog extends ComponentDialog {
  private readonly confirmPromptId = `${dialogIds.erase}.confirm`;

  constructor(private readonly services: DialogServices) {
    super(dialogIds.erase);
    this.addDialog(new AnswerPrompt(this.confirmPromptId, services.i18n, createMidPromptQuestionHandler(services)));
    this.addDialog(new WaterfallDialog(dialogIds.eraseSteps, [this.confirmStep.bind(this), this.eraseStep.bind(this)]));
    this.initialDialogId = dialogIds.eraseSteps;
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.prompt(this.confirmPromptId, promptOptions({ keys: ['handoff:erase.question'], choices: yesNoChoices, allowBack: true }));
  }

  private async eraseStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const t = this.services.i18n.getFixedT(turnLocale(step.context));
    if (step.result !== 'yes') {
      await step.context.sendActivity(t('handoff:erase.kept'));
      return step.endDialog();
    }
    let referrals: number;
    try {
      ({ referrals } = await this.services.eraseConversation(step.context));
    } catch {
      // The composition root logs the cause; the person must not be told anything was deleted.
      await step.context.sendActivity(`${t('handoff:erase.failed')}\n\n${publicContactText(this.services, step.context)}`);
      return step.endDialog();
    }
    const doneKey = referrals === 0 ? 'handoff:erase.doneNoReferral' : referrals === 1 ? 'handoff:erase.doneOneReferral' : 'handoff:erase.doneReferrals';
    const paragraphs = [t(doneKey, { count: referrals })];
    if (referrals > 0) paragraphs.push(t('handoff:erase.alreadyDelivered', { phone: this.services.site.coordinator.phone, email: this.services.site.coordinator.email }));
    await step.context.sendActivity(paragraphs.join('\n\n'));
    return step.endDialog({ erased: true, referrals });
  }
}
