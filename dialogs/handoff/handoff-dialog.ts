import type { TurnContext } from 'botbuilder';
import { ComponentDialog, type DialogTurnResult, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { type Locale, supportedLocales } from '../../src/i18n/locales';
import type { ContactDetails, NewReferral, Relationship } from '../../src/storage/ports';
import type { DialogServices } from '../dialog-services';
import { dialogIds } from '../ids';
import { type AnswerParser, AnswerPrompt, answerOf, isBack, promptOptions } from '../shared/answer-prompt';
import { type ChoiceSpec, localizeChoices } from '../shared/localized-choices';
import { handoffCollectOptionsSchema, handoffDraftOptionsSchema, handoffOptionsSchema } from '../shared/persisted-options';
import { createMidPromptQuestionHandler } from '../shared/question-handler';
import { RoleQuestionDialog } from '../shared/role-question';
import { roleOfChoice } from '../shared/role-words';
import { recordStudyEvent } from '../shared/study-events';
import { normaliseForMatch, parseWholeNumber } from '../shared/text-normalise';
import { setTurnProfile, turnLocale, turnRoleContext } from '../shared/turn-locale';
import { retentionForTexts } from '../topics/topic-params';
import { parseBestTime, parseEmail, parseName } from './contact-input';
import { formatContactPhone, parseContactPhone } from './contact-phone';
import {
  bestTimeChoices,
  bestTimePresets,
  languageChoices,
  relationshipChoices,
  relationshipOfRole,
  retryChoices,
  reviewChoices,
  type SpokenLanguage,
  spokenLanguages,
  yesNoChoices,
} from './handoff-choices';
import { publicContactText } from './public-contact';

/**
 * Version of the consent wording (locales/<locale>/handoff.json, `consent.*`) stored with each referral.
 * Change it whenever that wording changes, so the study team knows what each person agreed to.
 */
export const handoffConsentVersion = 'handoff-consent-v2';

/** Used when neither the composition root nor the caller says how long referrals are kept. */
export const defaultRetentionDays = 180;

export interface HandoffSettings {
  /** Days a referral is kept before it is purged (REFERRAL_RETENTION_DAYS), stated in the consent text. */
  retentionDays?: number;
}

export interface HandoffOptions {
  retentionDays?: number;
}

type Item = 'name' | 'phone' | 'email' | 'bestTime' | 'language' | 'relationship' | 'precheck';

/** Answers so far. Lives in dialog state only until the referral is stored (or the person leaves). */
interface Draft {
  name?: string;
  /** E.164. */
  phone?: string;
  /** null: the person chose not to give one. */
  email?: string | null;
  /** A preset id (`bestTimePresets`) or the person's own words. */
  bestTime?: string;
  language?: SpokenLanguage;
  relationship?: Relationship;
  attachPrecheck?: boolean;
  /** The conversation has a pre-check result that could be attached. */
  hasPrecheck: boolean;
}

interface CollectOptions {
  draft: Draft;
  /** Items to ask, in order, and which one is being asked. */
  items: Item[];
  index: number;
  /** Asked from the read-back ("change something"): back and done both return to it. */
  fromReview: boolean;
}

interface DraftOptions {
  draft: Draft;
}

const skipValue = '__skip';

type Translate = (key: string, params?: Record<string, string | number>) => string;

/**
 * One item of the contact details: how it is asked (its prompt, whose id is persisted, with the parser or
 * choices), how an answer is kept in the draft, and how it is read back. The read-back shows the VALUE in
 * words ("Language for the call: Cantonese"), never the label of the button that chose it.
 */
interface ItemSpec {
  readonly promptId: string;
  readonly parse?: AnswerParser;
  readonly choices?: ChoiceSpec[];
  readonly retryKey?: string;
  store(draft: Draft, answer: string, context: TurnContext): void;
  readBack(draft: Draft, t: Translate): string;
}

/**
 * The hand-off to the study team: says what is shared, with whom, why and for how long, asks consent, then
 * collects the contact details, reads them back (any item can be changed) and stores the referral. It
 * confirms only after the referral and its coordinator notifications are durably written.
 */
export class HandoffDialog extends ComponentDialog {
  private readonly consentPromptId = `${dialogIds.handoff}.consent`;
  private readonly choicePromptId = `${dialogIds.handoff}.choice`;
  private readonly namePromptId = `${dialogIds.handoff}.name`;
  private readonly phonePromptId = `${dialogIds.handoff}.phone`;
  private readonly emailPromptId = `${dialogIds.handoff}.email`;
  private readonly bestTimePromptId = `${dialogIds.handoff}.best-time`;
  private readonly collectStepsId = `${dialogIds.handoff}.collect`;
  private readonly reviewStepsId = `${dialogIds.handoff}.review`;
  private readonly submitStepsId = `${dialogIds.handoff}.submit`;
  private readonly roleQuestionId = `${dialogIds.handoff}.role`;
  private readonly retentionDays: number;
  /** Every item, in the order asked: the one table the collect, read-back and change steps read. */
  private readonly items: Readonly<Record<Item, ItemSpec>>;

  constructor(
    private readonly services: DialogServices,
    settings: HandoffSettings = {},
  ) {
    super(dialogIds.handoff);
    this.retentionDays = settings.retentionDays ?? defaultRetentionDays;
    const questionHandler = createMidPromptQuestionHandler(services);
    const skipWords = skipWordsOf(services);
    this.items = {
      name: { promptId: this.namePromptId, parse: (text) => parseName(text), retryKey: 'handoff:ask.nameRetry', store: (draft, answer) => (draft.name = answer), readBack: (draft) => draft.name ?? '' },
      phone: {
        promptId: this.phonePromptId,
        parse: (text, locale) => parseContactPhone(text, locale),
        retryKey: 'handoff:ask.phoneRetry',
        store: (draft, answer) => (draft.phone = answer),
        readBack: (draft) => (draft.phone ? formatContactPhone(draft.phone) : ''),
      },
      email: {
        promptId: this.emailPromptId,
        // Free text, not a "Skip" button: a choice would also match inside addresses such as "nobody@...".
        parse: (text) => parseEmail(text) ?? (skipWords.has(normaliseForMatch(text)) ? skipValue : undefined),
        retryKey: 'handoff:ask.emailRetry',
        store: (draft, answer) => (draft.email = answer === skipValue ? null : answer),
        readBack: (draft, t) => draft.email ?? t('handoff:review.noEmail'),
      },
      bestTime: {
        promptId: this.bestTimePromptId,
        parse: (text) => parseBestTime(text),
        choices: bestTimeChoices,
        retryKey: 'handoff:ask.bestTimeRetry',
        store: (draft, answer, context) => (draft.bestTime = this.ownWordsOrPreset(context, answer)),
        readBack: (draft, t) => (isBestTimePreset(draft.bestTime) ? t(`handoff:bestTime.${draft.bestTime}`) : (draft.bestTime ?? '')),
      },
      language: {
        promptId: this.choicePromptId,
        choices: languageChoices,
        store: (draft, answer) => {
          if (isSpokenLanguage(answer)) draft.language = answer;
        },
        readBack: (draft, t) => t(`handoff:value.language.${draft.language ?? 'english'}`),
      },
      relationship: {
        promptId: this.choicePromptId,
        choices: relationshipChoices,
        store: (draft, answer) => {
          if (answer === 'self' || answer === 'family' || answer === 'other') draft.relationship = answer;
        },
        readBack: (draft, t) => t(`handoff:value.relationship.${draft.relationship ?? 'other'}`),
      },
      precheck: {
        promptId: this.choicePromptId,
        choices: yesNoChoices,
        store: (draft, answer) => (draft.attachPrecheck = answer === 'yes'),
        readBack: (draft, t) => t(draft.attachPrecheck ? 'handoff:review.precheckSend' : 'handoff:review.precheckKeep'),
      },
    };
    const ask = (promptId: string, parse?: AnswerParser) => new AnswerPrompt(promptId, services.i18n, { onQuestion: questionHandler, parse });
    this.addDialog(ask(this.consentPromptId));
    this.addDialog(ask(this.choicePromptId));
    for (const item of Object.values(this.items)) if (item.promptId !== this.choicePromptId) this.addDialog(ask(item.promptId, item.parse));
    // "Who you are" goes to the study team: asked after consent, first of the details, if nobody said yet.
    this.addDialog(new RoleQuestionDialog(this.roleQuestionId, services, ['handoff:ask.relationship']));
    this.addDialog(new WaterfallDialog(dialogIds.handoffSteps, [this.askConsentStep.bind(this), this.afterConsentStep.bind(this), this.startCollectingStep.bind(this)]));
    this.addDialog(new WaterfallDialog(this.collectStepsId, [this.askItemStep.bind(this), this.storeItemStep.bind(this)]));
    this.addDialog(new WaterfallDialog(this.reviewStepsId, [this.readBackStep.bind(this), this.reviewDecisionStep.bind(this), this.changeItemStep.bind(this)]));
    this.addDialog(new WaterfallDialog(this.submitStepsId, [this.saveReferralStep.bind(this), this.afterSaveFailedStep.bind(this)]));
    this.initialDialogId = dialogIds.handoffSteps;
  }

  private async askConsentStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options: HandoffOptions = handoffOptionsSchema.parse(step.options ?? {});
    const hasPrecheck = (await this.services.precheckMemory.get(step.context)) !== undefined;
    const locale = turnLocale(step.context);
    // Everything kept, for how long, who sees it and what "delete my data" cannot undo: said BEFORE consent.
    const keys = [
      'handoff:consent.what',
      ...(hasPrecheck ? ['handoff:consent.precheck'] : []),
      'handoff:consent.whoWhyHowLong',
      'handoff:consent.notice',
      'handoff:consent.chatKept',
      'handoff:consent.deleteLimits',
      'handoff:consent.choice',
      'handoff:consent.question',
    ];
    const params = {
      siteName: this.services.site.siteName[locale],
      retentionDays: options.retentionDays ?? this.retentionDays,
      chatStateDays: retentionForTexts(this.services).chatStateDays,
    };
    return step.prompt(this.consentPromptId, promptOptions({ keys, params, choices: yesNoChoices, allowBack: true }));
  }

  private async afterConsentStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (isBack(step.result)) return step.endDialog();
    if (answerOf(step.result) !== 'yes') {
      const declined = this.t(step.context)('handoff:consent.declined', { chatStateDays: retentionForTexts(this.services).chatStateDays });
      await step.context.sendActivity(`${declined}\n\n${publicContactText(this.services, step.context)}`);
      return step.endDialog();
    }
    recordStudyEvent(this.services, step.context, { type: 'handoffConsented' });
    return step.beginDialog(this.roleQuestionId);
  }

  private async startCollectingStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // "Back" at "Who are you to the patient?" returns to the consent question.
    if (isBack(step.result)) return step.replaceDialog(dialogIds.handoffSteps, {});
    const hasPrecheck = (await this.services.precheckMemory.get(step.context)) !== undefined;
    const relationship = relationshipOfRole((await this.services.profile.get(step.context)).role);
    const draft: Draft = { hasPrecheck, relationship };
    const items: Item[] = ['name', 'phone', 'email', 'bestTime', 'language'];
    if (!relationship) items.push('relationship');
    if (hasPrecheck) items.push('precheck');
    return step.replaceDialog(this.collectStepsId, { draft, items, index: 0, fromReview: false } satisfies CollectOptions);
  }

  private async askItemStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffCollectOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const { items, index }: CollectOptions = stored.data;
    const item = items[index] ?? 'name';
    const { promptId, choices, retryKey } = this.items[item];
    return step.prompt(promptId, promptOptions({ keys: [`handoff:ask.${item}`], allowBack: true, choices, retryKey }));
  }

  private async storeItemStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffCollectOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const options: CollectOptions = stored.data;
    const { items, index, fromReview } = options;
    const draft: Draft = { ...options.draft };
    const answer = answerOf(step.result) ?? '';
    if (isBack(step.result)) {
      if (index > 0) return step.replaceDialog(this.collectStepsId, { ...options, index: index - 1 } satisfies CollectOptions);
      return fromReview ? step.replaceDialog(this.reviewStepsId, { draft } satisfies DraftOptions) : step.replaceDialog(dialogIds.handoffSteps, {});
    }
    const item = items[index] ?? 'name';
    this.items[item].store(draft, answer, step.context);
    // "Who you are" changed at the read-back is who is asking from now on, too.
    const role = item === 'relationship' ? roleOfChoice(answer) : undefined;
    if (role) {
      await this.services.profile.update(step.context, { role });
      setTurnProfile(step.context, turnLocale(step.context), role);
    }
    if (index + 1 < items.length) return step.replaceDialog(this.collectStepsId, { ...options, draft, index: index + 1 } satisfies CollectOptions);
    return step.replaceDialog(this.reviewStepsId, { draft } satisfies DraftOptions);
  }

  private async readBackStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffDraftOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const draft = await this.withCurrentRole(step.context, stored.data.draft);
    await step.context.sendActivity(this.readBack(step.context, draft));
    return step.prompt(this.choicePromptId, promptOptions({ keys: ['handoff:review.question'], choices: reviewChoices }));
  }

  private async reviewDecisionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffDraftOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const { draft }: DraftOptions = stored.data;
    const decision = answerOf(step.result);
    if (decision === 'send') return step.replaceDialog(this.submitStepsId, { draft } satisfies DraftOptions);
    if (decision === 'change') {
      const choices: ChoiceSpec[] = changeableItems(draft).map((item) => ({ value: item, labelKey: `handoff:item.${item}` }));
      return step.prompt(this.choicePromptId, promptOptions({ keys: ['handoff:review.whichItem'], choices, allowBack: true }));
    }
    const cancelled = this.t(step.context)('handoff:review.cancelled', { chatStateDays: retentionForTexts(this.services).chatStateDays });
    await step.context.sendActivity(`${cancelled}\n\n${publicContactText(this.services, step.context)}`);
    return step.endDialog();
  }

  private async changeItemStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffDraftOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const { draft }: DraftOptions = stored.data;
    const item = changeableItems(draft).find((candidate) => candidate === answerOf(step.result));
    if (!item) return step.replaceDialog(this.reviewStepsId, { draft } satisfies DraftOptions);
    return step.replaceDialog(this.collectStepsId, { draft, items: [item], index: 0, fromReview: true } satisfies CollectOptions);
  }

  private async saveReferralStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const stored = handoffDraftOptionsSchema.safeParse(step.options);
    if (!stored.success) return step.replaceDialog(dialogIds.handoffSteps, {});
    const { draft }: DraftOptions = stored.data;
    const t = this.t(step.context);
    const referral = await this.newReferral(step.context, draft);
    let reference: string;
    try {
      reference = (await this.services.createReferral(referral)).reference;
    } catch {
      // The composition root's createReferral logs the cause (without contact details). Here the person must
      // hear that nothing was saved, never a confirmation, and get a way to reach the team regardless.
      await step.context.sendActivity(`${t('handoff:saveFailed.message')}\n\n${publicContactText(this.services, step.context)}`);
      return step.prompt(this.choicePromptId, promptOptions({ keys: ['handoff:saveFailed.question'], choices: retryChoices }));
    }
    const locale = turnLocale(step.context);
    const { site } = this.services;
    const days = site.callbackWithinWorkingDays;
    const callbackKey = days === 1 ? 'handoff:confirmed.callbackOne' : 'handoff:confirmed.callbackMany';
    const paragraphs = [
      t('handoff:confirmed.thanks', { name: draft.name ?? '', reference }),
      t(callbackKey, { days, hours: site.coordinator.hours[locale] }),
      t('handoff:confirmed.keepReference', { reference }),
      t('handoff:confirmed.whileYouWait', { emergencyNumber: site.emergencyNumber }),
    ];
    await step.context.sendActivity(paragraphs.join('\n\n'));
    return step.endDialog({ reference });
  }

  private async afterSaveFailedStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (answerOf(step.result) === 'retry') return step.replaceDialog(this.submitStepsId, step.options);
    return step.endDialog();
  }

  /** A role stated after the details were begun ("no, I am asking for my mother") is the one read back and sent. */
  private async withCurrentRole(context: TurnContext, draft: Draft): Promise<Draft> {
    const relationship = relationshipOfRole((await this.services.profile.get(context)).role);
    return relationship ? { ...draft, relationship } : draft;
  }

  private async newReferral(context: TurnContext, stored: Draft): Promise<NewReferral> {
    const { activity } = context;
    const draft = await this.withCurrentRole(context, stored);
    const contact: ContactDetails = {
      name: draft.name ?? '',
      phone: draft.phone ?? '',
      ...(draft.email ? { email: draft.email } : {}),
      bestTime: draft.bestTime ?? 'any',
      preferredLanguage: draft.language ?? defaultLanguageOf(turnLocale(context)),
      relationship: draft.relationship ?? 'other',
    };
    const precheck = draft.attachPrecheck ? await this.services.precheckMemory.get(context) : undefined;
    return {
      conversationKey: this.services.conversationKeyOf(context),
      channel: activity.channelId,
      locale: turnLocale(context),
      contact,
      ...(precheck ? { precheck } : {}),
      consentVersion: handoffConsentVersion,
    };
  }

  /**
   * "after 6 pm" or "周末下午" contain a preset's word but say more: keep the person's own words unless they
   * pressed a button, typed its number or typed exactly a preset's label or synonym.
   */
  private ownWordsOrPreset(context: TurnContext, answer: string): string {
    if (!isBestTimePreset(answer)) return answer;
    const typed = parseBestTime(context.activity.text ?? '');
    if (!typed || parseWholeNumber(typed) !== undefined) return answer;
    const preset = localizeChoices(this.services.i18n, turnLocale(context), bestTimeChoices).find((choice) => choice.value === answer);
    const phrases = [preset?.label ?? '', ...(preset?.synonyms ?? [])].map(normaliseForMatch);
    return phrases.includes(normaliseForMatch(typed)) ? answer : typed;
  }

  private readBack(context: TurnContext, draft: Draft): string {
    const t = this.t(context);
    const lines = changeableItems(draft).map((item) => t('handoff:review.line', { label: t(`handoff:item.${item}`), value: this.items[item].readBack(draft, t) }));
    return [t('handoff:review.heading'), ...lines].join('\n');
  }

  private t(context: TurnContext) {
    const fixed = this.services.i18n.getFixedT(turnLocale(context));
    const roleContext = turnRoleContext(context);
    return (key: string, params: Record<string, string | number> = {}) => fixed(key, { ...params, context: roleContext });
  }
}

function changeableItems(draft: Draft): Item[] {
  return ['name', 'phone', 'email', 'bestTime', 'language', 'relationship', ...(draft.hasPrecheck ? (['precheck'] as const) : [])];
}

function isBestTimePreset(value: string | undefined): value is (typeof bestTimePresets)[number] {
  return (bestTimePresets as readonly (string | undefined)[]).includes(value);
}

function isSpokenLanguage(value: string): value is SpokenLanguage {
  return (spokenLanguages as readonly string[]).includes(value);
}

function defaultLanguageOf(locale: Locale): SpokenLanguage {
  return locale === 'en' ? 'english' : locale === 'zh-Hant' ? 'cantonese' : 'mandarin';
}

/** "Skip" in every language, normalised as typed answers are. */
function skipWordsOf(services: DialogServices): Set<string> {
  const words = supportedLocales.flatMap((locale) => {
    const value: unknown = services.i18n.getFixedT(locale)('handoff:ask.emailSkipWords', { returnObjects: true });
    return Array.isArray(value) ? value.filter((word): word is string => typeof word === 'string') : [];
  });
  return new Set(words.map(normaliseForMatch).filter(Boolean));
}
