import type { ReferralStatus } from './ports';

/**
 * The recruitment funnel's storage: counters without personal data, and the unanswered questions (their
 * text stripped of phone numbers and emails before it gets here, encrypted at rest all the same: a
 * question can still say something about someone's health).
 */
export const funnelStages = [
  'conversation-started',
  'topic-viewed',
  'question-recognised',
  'question-not-recognised',
  'precheck-started',
  'precheck-may-fit',
  'precheck-probably-not',
  'precheck-cannot-tell',
  'handoff-consented',
] as const;
export type FunnelStage = (typeof funnelStages)[number];

export interface FunnelCountKey {
  /** ISO week, '2026-W49', in the site's time zone. */
  readonly week: string;
  readonly locale: string;
  readonly channel: string;
  readonly stage: FunnelStage;
}

export interface FunnelCount extends FunnelCountKey {
  readonly count: number;
}

export interface NewUnansweredQuestion {
  /** Already redacted and capped (src/funnel/redact-question.ts). */
  readonly text: string;
  readonly outcome: 'unsure' | 'outOfScope';
  readonly week: string;
  readonly locale: string;
  readonly channel: string;
  readonly at: Date;
}

export interface UnansweredQuestion {
  readonly text: string;
  /** How many times this exact text was asked within the filter. */
  readonly count: number;
  readonly lastAskedAt: Date;
  /** The conversation's language when it was last asked (the page marks the text with it for screen readers). */
  readonly locale: string;
}

/** Every field optional; weeks are ISO weeks, both ends included. */
export interface FunnelFilter {
  readonly locale?: string;
  readonly channel?: string;
  readonly fromWeek?: string;
  readonly toWeek?: string;
}

/** A referral as the funnel sees it: no contact details, no reference, no conversation. */
export interface ReferralFunnelRow {
  readonly createdAt: Date;
  readonly status: ReferralStatus;
  readonly locale: string;
  readonly channel: string;
}

export interface FunnelStore {
  /** Adds the counts to the stored ones and stores the questions, in one transaction. */
  add(counts: readonly FunnelCount[], questions: readonly NewUnansweredQuestion[]): Promise<void>;
  counts(filter: FunnelFilter): Promise<FunnelCount[]>;
  /** Channels that have any count, for the page's filter. */
  channels(): Promise<string[]>;
  /** Newest first, identical texts (ignoring letter case) counted together; reads at most the newest 5,000 questions. */
  unansweredQuestions(filter: FunnelFilter, limit: number): Promise<UnansweredQuestion[]>;
  /** Referrals created in [from, to), filtered by locale and channel: the week and status counting is the caller's. */
  referralsCreatedBetween(from: Date, to: Date, filter: Pick<FunnelFilter, 'locale' | 'channel'>): Promise<ReferralFunnelRow[]>;
  /** Retention (chat-state days): deletes questions asked before `cutoff`; returns how many. */
  purgeQuestionsBefore(cutoff: Date): Promise<number>;
}
