/**
 * What the coordinators' console (src/console) keeps: local accounts, failed sign-in counters, server-side
 * sessions, and when a referral was first opened. Implemented once in SQL (sql/sql-console-store.ts) for both
 * backends; part of `Stores` as `stores.console`.
 */

export interface ConsoleAccount {
  /** The sign-in name, lower case (`npm run coordinator -- add NAME`). */
  name: string;
  displayName: string;
  /** `scrypt$N$r$p$salt$hash` (see src/console/passwords.ts); never shown or logged. */
  passwordHash: string;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface LoginFailureState {
  failures: number;
  /** Sign-in refused until then, whatever the password. */
  lockedUntil?: Date;
}

export type ConsoleIdentityKind = 'local' | 'oidc';

export interface ConsoleSessionRow {
  /** sha256 of the cookie's random id: the id itself is never stored. */
  idHash: string;
  kind: ConsoleIdentityKind;
  /** Account name (local) or the identity provider's `sub` (oidc). */
  subject: string;
  displayName: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** One notification's delivery (an outbox row), for the referral page. */
export interface NotificationDelivery {
  sink: string;
  state: string;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt?: Date;
  lastError?: string;
}

export interface ReferralOpened {
  at: Date;
  by: string;
}

export interface ConsoleStore {
  createAccount(account: { name: string; displayName: string; passwordHash: string }, now: Date): Promise<boolean>;
  getAccount(name: string): Promise<ConsoleAccount | undefined>;
  listAccounts(): Promise<ConsoleAccount[]>;
  countAccounts(): Promise<number>;
  setAccountDisabled(name: string, disabled: boolean, now: Date): Promise<boolean>;
  setPasswordHash(name: string, passwordHash: string, now: Date): Promise<boolean>;

  getLoginFailures(name: string): Promise<LoginFailureState>;
  /** Counts one failure; from the `lockAfter`-th on, the name is locked until `now + lockMs`. Returns the new state. */
  recordLoginFailure(name: string, now: Date, lockAfter: number, lockMs: number): Promise<LoginFailureState>;
  clearLoginFailures(name: string): Promise<void>;

  createSession(session: ConsoleSessionRow): Promise<void>;
  getSession(idHash: string): Promise<ConsoleSessionRow | undefined>;
  touchSession(idHash: string, now: Date): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Every session of one identity (an account disabled or its password reset). Returns how many. */
  deleteSessionsOf(kind: ConsoleIdentityKind, subject: string): Promise<number>;
  /** Sessions not used since `cutoff`. Returns how many. */
  purgeSessionsIdleSince(cutoff: Date): Promise<number>;

  /** Records the first opening only; later calls change nothing. */
  markReferralOpened(referralId: string, by: string, now: Date): Promise<void>;
  referralsOpened(referralIds: readonly string[]): Promise<Map<string, ReferralOpened>>;
  /** The channels referrals came through, for the list's filter. */
  referralChannels(): Promise<string[]>;
  /** Referrals per status (all of them, whatever a list shows). */
  countReferralsByStatus(): Promise<Record<string, number>>;
  /** The newest referral's creation time and how many there are: what the console polls for. */
  referralWatermark(): Promise<{ count: number; newestAt?: Date }>;
  notificationsOf(referralId: string): Promise<NotificationDelivery[]>;
  /** The audit rows about one referral, oldest first. */
  auditOf(referralId: string): Promise<Array<{ actor: string; action: string; detail?: string; at: Date }>>;
}
