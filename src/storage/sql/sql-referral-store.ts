import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Selectable, SelectQueryBuilder, SqlBool } from 'kysely';
import type { FieldCipher } from '../../security/field-encryption';
import { generateReferenceCode, parseReferenceCode } from '../../security/reference-code';
import type { Database, ReferralsTable, SqlContext } from '../database';
import {
  type ContactDetails,
  type NewReferral,
  type PrecheckOutcome,
  type PrecheckSummary,
  type Referral,
  type ReferralListQuery,
  type ReferralPage,
  type ReferralStatus,
  type ReferralStore,
  type ReferralSummary,
  referralStatuses,
} from '../ports';
import { decodeReferralCursor, encodeReferralCursor } from '../referral-cursor';
import { isConnectionLost, retryOnConnectionLost, StorageUnavailableError } from '../storage-errors';
import { isUniqueViolation } from './unique-violation';

const referenceAttempts = 8;
const maxPageSize = 500;

type ReferralRow = Selectable<ReferralsTable>;
type ReferralSelect = SelectQueryBuilder<Database, 'referrals', ReferralRow>;

export interface SqlReferralStoreOptions {
  /** Tests inject a generator to force collisions; production uses crypto-random codes. */
  generateReference?: () => string;
}

export function outboxIdempotencyKey(referralId: string, sink: string): string {
  return `referral:${referralId}:${sink}`;
}

/**
 * Referrals with contact details, pre-check and coordinator note encrypted, each bound to its row id and
 * column so ciphertexts cannot be swapped between rows.
 */
export class SqlReferralStore implements ReferralStore {
  private readonly generateReference: () => string;

  constructor(
    private readonly context: SqlContext,
    private readonly cipher: FieldCipher,
    options: SqlReferralStoreOptions = {},
  ) {
    this.generateReference = options.generateReference ?? generateReferenceCode;
  }

  async createWithNotifications(input: NewReferral, sinks: readonly string[], now: Date): Promise<Referral> {
    const id = randomUUID();
    const at = now.getTime();
    const encrypted = {
      contact_enc: this.cipher.encrypt(JSON.stringify(input.contact), `referrals.contact:${id}`),
      precheck_enc: input.precheck ? this.cipher.encrypt(JSON.stringify(input.precheck), `referrals.precheck:${id}`) : null,
    };
    const sinkNames = [...new Set(sinks)];
    let lostConnections = 0;
    for (let attempt = 1; ; attempt += 1) {
      const reference = this.generateReference();
      try {
        await this.context.db.transaction().execute(async (trx) => {
          this.assertDurable();
          await trx
            .insertInto('referrals')
            .values({
              id,
              reference,
              conversation_key: input.conversationKey,
              channel: input.channel,
              locale: input.locale,
              ...encrypted,
              consent_version: input.consentVersion,
              content_version: input.contentVersion ?? null,
              status: 'new',
              note_enc: null,
              created_at: at,
              updated_at: at,
            })
            .execute();
          for (const sink of sinkNames) {
            await trx
              .insertInto('outbox')
              .values({
                id: randomUUID(),
                referral_id: id,
                sink,
                idempotency_key: outboxIdempotencyKey(id, sink),
                state: 'pending',
                attempts: 0,
                next_attempt_at: at,
                lease_until: null,
                leased_by: null,
                last_error: null,
                created_at: at,
                delivered_at: null,
              })
              .execute();
          }
          this.assertDurable();
        });
      } catch (error) {
        // A collision rolls the whole transaction back; try again with a fresh code.
        if (attempt < referenceAttempts && isUniqueViolation(error, 'referrals_reference_key', 'referrals.reference')) continue;
        // The connection died under the transaction, so its COMMIT may or may not have happened. Ask a fresh
        // connection instead of guessing: not there → write it again (nobody saw that reference); there → verify.
        if (!isConnectionLost(error) || lostConnections >= 2) throw error;
        lostConnections += 1;
        const stored = await retryOnConnectionLost(() => this.context.db.selectFrom('referrals').select('reference').where('id', '=', id).executeTakeFirst());
        if (stored === undefined) continue;
        if (stored.reference !== reference) throw error;
      }
      await this.verifyStored(id, reference, sinkNames.length);
      return {
        ...structuredClone(input),
        id,
        reference,
        status: 'new',
        createdAt: new Date(at),
        updatedAt: new Date(at),
      };
    }
  }

  private assertDurable(): void {
    const problem = this.context.durabilityProblem?.();
    if (problem) throw new StorageUnavailableError(`Storage is not durable: ${problem}`);
  }

  /**
   * After the commit: the referral and its notifications must read back (on PostgreSQL through whichever pooled
   * connection comes next, so from the committed database) and the files must still be the database's. If not,
   * the referral is removed again where possible, so that no notification goes out for a referral the person was
   * told was not saved, and the caller gets an error instead of a reference.
   */
  private async verifyStored(id: string, reference: string, notifications: number): Promise<void> {
    let problem = this.context.durabilityProblem?.();
    if (!problem) {
      const row = await retryOnConnectionLost(() => this.context.db.selectFrom('referrals').select(['reference']).where('id', '=', id).executeTakeFirst());
      const outbox = await retryOnConnectionLost(() =>
        this.context.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number | string>().as('count')).where('referral_id', '=', id).executeTakeFirst(),
      );
      if (row?.reference !== reference) problem = 'the referral did not read back after commit';
      else if (Number(outbox?.count ?? 0) !== notifications) problem = 'its notifications did not read back after commit';
    }
    if (!problem) return;
    await this.deleteWhere((eb) => eb('id', '=', id)).catch(() => 0);
    throw new StorageUnavailableError(`Referral not confirmed: ${problem}`);
  }

  async get(id: string): Promise<Referral | undefined> {
    const row = await this.context.db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return { ...this.toSummary(row), contact: JSON.parse(this.cipher.decrypt(row.contact_enc, `referrals.contact:${row.id}`)) as ContactDetails };
  }

  async getByReference(reference: string): Promise<ReferralSummary | undefined> {
    const canonical = parseReferenceCode(reference);
    if (!canonical) return undefined;
    const row = await this.context.db.selectFrom('referrals').selectAll().where('reference', '=', canonical).executeTakeFirst();
    return row ? this.toSummary(row) : undefined;
  }

  /** Newest first; the cursor is the (created_at, id) of the previous page's last item. */
  async list(query: ReferralListQuery): Promise<ReferralPage> {
    const limit = Math.min(Math.max(Math.trunc(query.limit), 1), maxPageSize);
    let select = this.context.db.selectFrom('referrals').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.since !== undefined) select = select.where('created_at', '>=', query.since.getTime());
    if (query.until !== undefined) select = select.where('created_at', '<', query.until.getTime());
    if (query.locale !== undefined) select = select.where('locale', '=', query.locale);
    if (query.channel !== undefined) select = select.where('channel', '=', query.channel);
    if (query.reference !== undefined) select = select.where('reference', '=', parseReferenceCode(query.reference) ?? '');
    if (query.precheckOutcome !== undefined) return this.listByOutcome(select, query.precheckOutcome, limit, query.cursor);
    if (query.cursor !== undefined) {
      const after = decodeReferralCursor(query.cursor);
      select = select.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => this.toSummary(row)),
      ...(rows.length > limit && last ? { nextCursor: encodeReferralCursor({ createdAt: last.created_at, id: last.id }) } : {}),
    };
  }

  /**
   * The outcome sits inside the encrypted pre-check: rows are read newest first in batches and filtered after
   * decryption until the page is full. The cursor is the last row read, so the next page continues from there.
   */
  private async listByOutcome(filtered: ReferralSelect, outcome: PrecheckOutcome | 'not-done', limit: number, cursor: string | undefined): Promise<ReferralPage> {
    const batchSize = Math.max(limit, 100);
    const items: ReferralSummary[] = [];
    let after = cursor === undefined ? undefined : decodeReferralCursor(cursor);
    for (;;) {
      let select = filtered;
      if (after !== undefined) {
        const position = after;
        select = select.where((eb) => eb.or([eb('created_at', '<', position.createdAt), eb.and([eb('created_at', '=', position.createdAt), eb('id', '<', position.id)])]));
      }
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(batchSize).execute();
      for (const row of rows) {
        const summary = this.toSummary(row);
        if ((summary.precheck?.outcome ?? 'not-done') !== outcome) continue;
        items.push(summary);
        if (items.length === limit) return { items, nextCursor: encodeReferralCursor({ createdAt: Number(row.created_at), id: row.id }) };
      }
      const last = rows[rows.length - 1];
      if (rows.length < batchSize || !last) return { items };
      after = { createdAt: Number(last.created_at), id: last.id };
    }
  }

  async update(id: string, change: { status?: ReferralStatus; note?: string }, now: Date): Promise<ReferralSummary | undefined> {
    if (change.status !== undefined && !referralStatuses.includes(change.status)) throw new Error(`Unknown referral status: ${String(change.status)}`);
    const row = await this.context.db
      .updateTable('referrals')
      .set({
        updated_at: now.getTime(),
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.note !== undefined ? { note_enc: this.cipher.encrypt(change.note, `referrals.note:${id}`) } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? this.toSummary(row) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteWhere((eb) => eb('id', '=', id))) > 0;
  }

  async deleteByConversation(conversationKey: string): Promise<number> {
    return this.deleteWhere((eb) => eb('conversation_key', '=', conversationKey));
  }

  async purgeCreatedBefore(cutoff: Date): Promise<number> {
    return this.deleteWhere((eb) => eb('created_at', '<', cutoff.getTime()));
  }

  /**
   * Outbox rows go first and explicitly, in the same transaction: a notification must never outlive its
   * referral (the foreign key cascades too, but SQLite only enforces it when the pragma is on).
   */
  private async deleteWhere(filter: (eb: ExpressionBuilder<Database, 'referrals'>) => Expression<SqlBool>): Promise<number> {
    return this.context.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('outbox').where('referral_id', 'in', trx.selectFrom('referrals').select('id').where(filter)).execute();
      const result = await trx.deleteFrom('referrals').where(filter).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  private toSummary(row: ReferralRow): ReferralSummary {
    return {
      id: row.id,
      reference: row.reference,
      conversationKey: row.conversation_key,
      channel: row.channel,
      locale: row.locale,
      consentVersion: row.consent_version,
      ...(row.content_version !== null ? { contentVersion: row.content_version } : {}),
      status: row.status as ReferralStatus,
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
      ...(row.precheck_enc !== null ? { precheck: JSON.parse(this.cipher.decrypt(row.precheck_enc, `referrals.precheck:${row.id}`)) as PrecheckSummary } : {}),
      ...(row.note_enc !== null ? { note: this.cipher.decrypt(row.note_enc, `referrals.note:${row.id}`) } : {}),
    };
  }
}
