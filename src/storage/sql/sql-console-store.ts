import type { Kysely } from 'kysely';
import type {
  ConsoleAccount,
  ConsoleIdentityKind,
  ConsoleSessionRow,
  ConsoleStore,
  LoginFailureState,
  NotificationDelivery,
  ReferralOpened,
} from '../console-store';
import type { Database, ReferralsTable, SqlContext } from '../database';

interface ConsoleAccountsTable {
  name: string;
  display_name: string;
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

interface ConsoleLoginFailuresTable {
  name: string;
  failures: number;
  locked_until: number | null;
  updated_at: number;
}

interface ConsoleSessionsTable {
  id_hash: string;
  kind: string;
  subject: string;
  display_name: string;
  created_at: number;
  last_seen_at: number;
}

/** The tables of migration 0002-console, on top of the shared ones. */
type ConsoleDatabase = Omit<Database, 'referrals'> & {
  referrals: ReferralsTable & { first_opened_at: number | null; first_opened_by: string | null };
  console_accounts: ConsoleAccountsTable;
  console_login_failures: ConsoleLoginFailuresTable;
  console_sessions: ConsoleSessionsTable;
};

/** No personal data of the people referred: account names, password hashes, session hashes, counters. */
export class SqlConsoleStore implements ConsoleStore {
  private readonly db: Kysely<ConsoleDatabase>;

  constructor(context: SqlContext) {
    this.db = context.db as unknown as Kysely<ConsoleDatabase>;
  }

  async createAccount(account: { name: string; displayName: string; passwordHash: string }, now: Date): Promise<boolean> {
    const at = now.getTime();
    const inserted = await this.db
      .insertInto('console_accounts')
      .values({ name: account.name, display_name: account.displayName, password_hash: account.passwordHash, disabled: 0, created_at: at, updated_at: at })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async getAccount(name: string): Promise<ConsoleAccount | undefined> {
    const row = await this.db.selectFrom('console_accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async listAccounts(): Promise<ConsoleAccount[]> {
    const rows = await this.db.selectFrom('console_accounts').selectAll().orderBy('name').execute();
    return rows.map(toAccount);
  }

  async countAccounts(): Promise<number> {
    const row = await this.db.selectFrom('console_accounts').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async setAccountDisabled(name: string, disabled: boolean, now: Date): Promise<boolean> {
    const result = await this.db.updateTable('console_accounts').set({ disabled: disabled ? 1 : 0, updated_at: now.getTime() }).where('name', '=', name).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setPasswordHash(name: string, passwordHash: string, now: Date): Promise<boolean> {
    const result = await this.db.updateTable('console_accounts').set({ password_hash: passwordHash, updated_at: now.getTime() }).where('name', '=', name).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async getLoginFailures(name: string): Promise<LoginFailureState> {
    const row = await this.db.selectFrom('console_login_failures').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toFailures(row) : { failures: 0 };
  }

  /** One upsert that increments in the database, so two instances counting at once lose no failure. */
  async recordLoginFailure(name: string, now: Date, lockAfter: number, lockMs: number): Promise<LoginFailureState> {
    const at = now.getTime();
    const lockUntil = at + lockMs;
    const row = await this.db
      .insertInto('console_login_failures')
      .values({ name, failures: 1, locked_until: lockAfter <= 1 ? lockUntil : null, updated_at: at })
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet((eb) => ({
          failures: eb('console_login_failures.failures', '+', 1),
          locked_until: eb
            .case()
            .when(eb('console_login_failures.failures', '+', 1), '>=', lockAfter)
            .then(lockUntil)
            .else(eb.ref('console_login_failures.locked_until'))
            .end(),
          updated_at: at,
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFailures(row);
  }

  async clearLoginFailures(name: string): Promise<void> {
    await this.db.deleteFrom('console_login_failures').where('name', '=', name).execute();
  }

  async createSession(session: ConsoleSessionRow): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        kind: session.kind,
        subject: session.subject,
        display_name: session.displayName,
        created_at: session.createdAt.getTime(),
        last_seen_at: session.lastSeenAt.getTime(),
      })
      .execute();
  }

  async getSession(idHash: string): Promise<ConsoleSessionRow | undefined> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return undefined;
    return {
      idHash: row.id_hash,
      kind: row.kind as ConsoleIdentityKind,
      subject: row.subject,
      displayName: row.display_name,
      createdAt: new Date(Number(row.created_at)),
      lastSeenAt: new Date(Number(row.last_seen_at)),
    };
  }

  async touchSession(idHash: string, now: Date): Promise<void> {
    await this.db.updateTable('console_sessions').set({ last_seen_at: now.getTime() }).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOf(kind: ConsoleIdentityKind, subject: string): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('kind', '=', kind).where('subject', '=', subject).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeSessionsIdleSince(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('last_seen_at', '<', cutoff.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async markReferralOpened(referralId: string, by: string, now: Date): Promise<void> {
    await this.db
      .updateTable('referrals')
      .set({ first_opened_at: now.getTime(), first_opened_by: by })
      .where('id', '=', referralId)
      .where('first_opened_at', 'is', null)
      .execute();
  }

  async referralsOpened(referralIds: readonly string[]): Promise<Map<string, ReferralOpened>> {
    const opened = new Map<string, ReferralOpened>();
    if (referralIds.length === 0) return opened;
    const rows = await this.db
      .selectFrom('referrals')
      .select(['id', 'first_opened_at', 'first_opened_by'])
      .where('id', 'in', [...referralIds])
      .where('first_opened_at', 'is not', null)
      .execute();
    for (const row of rows) opened.set(row.id, { at: new Date(Number(row.first_opened_at)), by: row.first_opened_by ?? '' });
    return opened;
  }

  async referralChannels(): Promise<string[]> {
    const rows = await this.db.selectFrom('referrals').select('channel').distinct().orderBy('channel').execute();
    return rows.map((row) => row.channel);
  }

  async countReferralsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('referrals')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async referralWatermark(): Promise<{ count: number; newestAt?: Date }> {
    const row = await this.db
      .selectFrom('referrals')
      .select([(eb) => eb.fn.countAll<number | string>().as('count'), (eb) => eb.fn.max('created_at').as('newest')])
      .executeTakeFirstOrThrow();
    const newest = row.newest === null || row.newest === undefined ? undefined : new Date(Number(row.newest));
    return { count: Number(row.count), ...(newest ? { newestAt: newest } : {}) };
  }

  async notificationsOf(referralId: string): Promise<NotificationDelivery[]> {
    const rows = await this.db.selectFrom('outbox').selectAll().where('referral_id', '=', referralId).orderBy('sink').execute();
    return rows.map((row) => ({
      sink: row.sink,
      state: row.state,
      attempts: Number(row.attempts),
      nextAttemptAt: new Date(Number(row.next_attempt_at)),
      ...(row.delivered_at !== null ? { deliveredAt: new Date(Number(row.delivered_at)) } : {}),
      ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    }));
  }

  async auditOf(referralId: string): Promise<Array<{ actor: string; action: string; detail?: string; at: Date }>> {
    const rows = await this.db.selectFrom('audit_log').selectAll().where('referral_id', '=', referralId).orderBy('id').execute();
    return rows.map((row) => ({ actor: row.actor, action: row.action, ...(row.detail !== null ? { detail: row.detail } : {}), at: new Date(Number(row.at)) }));
  }
}

function toAccount(row: ConsoleAccountsTable): ConsoleAccount {
  return {
    name: row.name,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    disabled: Number(row.disabled) !== 0,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function toFailures(row: ConsoleLoginFailuresTable): LoginFailureState {
  return { failures: Number(row.failures), ...(row.locked_until !== null ? { lockedUntil: new Date(Number(row.locked_until)) } : {}) };
}
