import type { TurnContext } from 'botbuilder';
import type { i18n } from 'i18next';
import type { SiteConfig } from '../src/config/site-schema';
import type { StudyEventSink } from '../src/events/study-events';
import type { Locale } from '../src/i18n/locales';
import type { Recognition } from '../src/nlu/question-recognizer';
import type { NewReferral, PrecheckSummary, Referral, ReferralSummary } from '../src/storage/ports';
import type { ProfileAccessor } from './shared/profile';

/**
 * Everything dialogs need from the outside, passed in by the composition root. Dialogs never import
 * channels, storage or http: they see these narrow services instead.
 */
export interface DialogServices {
  readonly i18n: i18n;
  readonly site: SiteConfig;
  readonly clock: { now(): Date };
  /** How long chat state and referrals are kept (days): the privacy and consent texts say so. */
  readonly retention: { readonly chatStateDays: number; readonly referralDays: number };
  readonly profile: ProfileAccessor;
  /** The last pre-check result of this conversation (conversation state only; stored with a referral only if the person agrees). */
  readonly precheckMemory: {
    get(context: TurnContext): Promise<PrecheckSummary | undefined>;
    set(context: TurnContext, summary: PrecheckSummary): Promise<void>;
  };
  recognizeQuestion(text: string, locale: Locale): Recognition;
  isMedicalDecisionRequest(text: string): boolean;
  /** The key a referral of this turn's conversation is filed under (erasure finds it by the same key). */
  conversationKeyOf(context: TurnContext): string;
  /** Stores the referral and queues coordinator notifications in one transaction. */
  createReferral(input: NewReferral): Promise<Referral>;
  /** Rejects when this conversation has looked up too many references (references are short: no guessing). */
  findReferral(reference: string, context: TurnContext): Promise<ReferralSummary | undefined>;
  /** Erases this conversation's state, referrals and pending notifications; returns what was deleted. */
  eraseConversation(context: TurnContext): Promise<{ referrals: number }>;
  /** Where the funnel and the metrics hear what happened (never personal data; see src/events/study-events.ts). */
  readonly events: StudyEventSink;
}
