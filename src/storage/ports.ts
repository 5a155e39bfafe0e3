import type { Storage } from 'botbuilder';
import type { FunnelStore } from './funnel-ports';
import type { ConsoleStore } from './console-store';

/**
 * What the rest of TrialGuide needs from persistence. Two implementations (embedded SQLite, PostgreSQL)
 * are chosen in exactly one factory (`create-stores.ts`) and pass one shared contract suite.
 */

export const referralStatuses = ['new', 'contacted', 'screening', 'enrolled', 'not-eligible', 'declined', 'unreachable'] as const;
export type ReferralStatus = (typeof referralStatuses)[number];

export type Relationship = 'self' | 'family' | 'other';
export type PrecheckOutcome = 'may-fit' | 'probably-not' | 'cannot-tell';

/** Personal data. Encrypted at rest field by field; never logged. */
export interface ContactDetails {
  /** How the person wants to be addressed. */
  name: string;
  /** E.164, validated by the dialog. */
  phone: string;
  email?: string;
  /** Free text or a preset such as "morning". */
  bestTime: string;
  /** Locale for the call: 'en' | 'zh-Hans' | 'zh-Hant' (may also be a spoken-language note such as Cantonese). */
  preferredLanguage: string;
  relationship: Relationship;
}

export interface PrecheckSummary {
  outcome: PrecheckOutcome;
  /** Criterion ids that led to "probably not". */
  reasons: string[];
  /** Flag ids the study doctors will ask about. */
  flags: string[];
  /** Question id -> normalised answer ('yes' | 'no' | 'unsure' | a number | a drug id). */
  answers: Record<string, string>;
  criteriaVersion: string;
}

export interface NewReferral {
  /** `${channelId}/${conversationId}`: lets "delete my data" find the referral. */
  conversationKey: string;
  channel: string;
  locale: string;
  contact: ContactDetails;
  precheck?: PrecheckSummary;
  /** Version of the consent wording the person agreed to. */
  consentVersion: string;
  /**
   * The content version (src/content/content-version.ts) of every word the person saw. The composition root
   * stamps it on every referral a conversation makes; absent on referrals stored before migration 0004.
   */
  contentVersion?: string;
}

export interface Referral extends NewReferral {
  id: string;
  /** Short, unambiguous, shown to the person: `TG-` + 5 characters without 0/O/1/I/L. */
  reference: string;
  status: ReferralStatus;
  note?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A referral without contact details: what chat-app and email notifications may carry. */
export type ReferralSummary = Omit<Referral, 'contact'>;

export interface ReferralListQuery {
  status?: ReferralStatus;
  since?: Date;
  /** Created before this instant (exclusive). */
  until?: Date;
  locale?: string;
  channel?: string;
  /** Exact reference, any spelling parseReferenceCode accepts ('tg-abcde'). */
  reference?: string;
  /** 'not-done' finds referrals without a pre-check. Pre-checks are encrypted, so this filter runs after decryption. */
  precheckOutcome?: PrecheckOutcome | 'not-done';
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

export interface ReferralPage {
  items: ReferralSummary[];
  nextCursor?: string;
}

export interface ReferralStore {
  /**
   * Writes the referral and one outbox row per sink in ONE transaction. Only after this resolves may the
   * bot tell the person they will be called. It resolves only after the rows were read back and the write is
   * durable (SQLite: the files it went to are still the database's); otherwise it rejects
   * (StorageUnavailableError) and leaves nothing to deliver.
   */
  createWithNotifications(input: NewReferral, sinks: readonly string[], now: Date): Promise<Referral>;
  get(id: string): Promise<Referral | undefined>;
  getByReference(reference: string): Promise<ReferralSummary | undefined>;
  list(query: ReferralListQuery): Promise<ReferralPage>;
  update(id: string, change: { status?: ReferralStatus; note?: string }, now: Date): Promise<ReferralSummary | undefined>;
  /** Deletes the referral and its pending notifications. */
  delete(id: string): Promise<boolean>;
  /** Erasure: every referral (and its notifications) of one conversation; returns how many referrals. */
  deleteByConversation(conversationKey: string): Promise<number>;
  /** Retention: deletes referrals created before `cutoff`; returns how many. */
  purgeCreatedBefore(cutoff: Date): Promise<number>;
}

export interface OutboxMessage {
  id: string;
  referralId: string;
  sink: string;
  /** Stable across retries: receivers de-duplicate on it. */
  idempotencyKey: string;
  attempts: number;
  nextAttemptAt: Date;
}

export interface OutboxStore {
  /**
   * Claims up to `limit` due messages for `leaseMs` (other workers skip them meanwhile; on PostgreSQL with
   * FOR UPDATE SKIP LOCKED). A crashed worker's lease simply expires.
   */
  claimDue(now: Date, limit: number, leaseMs: number, workerId: string): Promise<OutboxMessage[]>;
  markDelivered(id: string, now: Date): Promise<void>;
  markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void>;
  countPending(): Promise<number>;
  /**
   * Makes every pending message due now, including ones parked after a permanent failure: for after an
   * operator fixed a sink (a mistyped webhook URL). Returns how many were waiting.
   */
  retryNow(now: Date): Promise<number>;
}

export interface AuditEntry {
  actor: string;
  action: 'referral.read' | 'referral.list' | 'referral.export' | 'referral.update' | 'referral.delete' | 'conversation.erase' | 'referral.purge' | 'outbox.retry';
  referralId?: string;
  detail?: string;
  at: Date;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(limit: number): Promise<AuditEntry[]>;
}

/** Small shared key-value state with expiry: WeChat access token, retry de-duplication, rate limits. */
export interface KeyValueStore {
  get(key: string, now: Date): Promise<string | undefined>;
  set(key: string, value: string, expiresAt: Date): Promise<void>;
  /** Atomic: true if the key was absent (or expired) and is now set. */
  setIfAbsent(key: string, value: string, expiresAt: Date): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** Direct Line activity history, so a reconnect or a second instance can replay from a watermark. */
export interface ConversationLogStore {
  /** Appends and returns the activity's sequence number (the watermark after it). */
  append(conversationId: string, activity: object, now: Date): Promise<number>;
  since(conversationId: string, watermark: number): Promise<{ activities: object[]; watermark: number }>;
  deleteConversation(conversationId: string): Promise<void>;
  purgeOlderThan(cutoff: Date): Promise<number>;
}

/** Bot Framework state with eTag concurrency; `deleteConversation` serves erasure. */
export interface BotStateStorage extends Storage {
  deleteKeysWithPrefix(prefix: string): Promise<number>;
  /** Retention: deletes state not written since `cutoff` (abandoned conversations); returns how many. */
  purgeUpdatedBefore(cutoff: Date): Promise<number>;
}

export interface StorageProbeResult {
  ok: boolean;
  /** Why not, for the log and the operator (no personal data). */
  reason?: string;
  ms: number;
}

export interface Stores {
  readonly kind: 'sqlite' | 'postgres';
  readonly botState: BotStateStorage;
  readonly referrals: ReferralStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditLog;
  readonly keyValue: KeyValueStore;
  readonly conversationLogs: ConversationLogStore;
  /** Recruitment funnel counters and unanswered questions (no personal data). */
  readonly funnel: FunnelStore;
  /** The coordinators' console: accounts, sessions, sign-in failures, first openings. */
  readonly console: ConsoleStore;
  /** Cheap connectivity check (a `select 1`). */
  ping(): Promise<boolean>;
  /**
   * For /readyz and the periodic storage check: writes a probe row, reads it back, and (SQLite) checks the
   * database files are still the ones opened and writable. Never throws; bounded in time.
   */
  probeWrite(): Promise<StorageProbeResult>;
  /** Every migration this build knows is recorded as applied in the database (false if it cannot tell). */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}
