import { randomUUID } from 'node:crypto';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { FieldCipher } from '../../security/field-encryption';
import type { Database, SqlContext } from '../database';
import {
  type FunnelCount,
  type FunnelFilter,
  type FunnelStage,
  type FunnelStore,
  funnelStages,
  type NewUnansweredQuestion,
  type ReferralFunnelRow,
  type UnansweredQuestion,
} from '../funnel-ports';
import { type ReferralStatus, referralStatuses } from '../ports';

/**
 * The funnel's tables (migration 0003), kept beside the store so the shared `Database` shape stays as it is.
 * A type alias, not an interface: `withTables` needs a shape with an implicit index signature.
 */
type FunnelTables = {
  funnel_counts: { week: string; locale: string; channel: string; stage: string; count: number };
  funnel_questions: { id: string; week: string; locale: string; channel: string; outcome: string; text_enc: string; created_at: number };
};
type FunnelDatabase = Database & FunnelTables;

/** At most this many of the newest questions are decrypted for one list: weeks of a busy site, in milliseconds. */
const questionScanLimit = 5000;

const stageSet = new Set<string>(funnelStages);
const statusSet = new Set<string>(referralStatuses);

export class SqlFunnelStore implements FunnelStore {
  private readonly db: Kysely<FunnelDatabase>;

  constructor(
    context: SqlContext,
    private readonly cipher: FieldCipher,
  ) {
    this.db = context.db.withTables<FunnelTables>();
  }

  async add(counts: readonly FunnelCount[], questions: readonly NewUnansweredQuestion[]): Promise<void> {
    const positive = counts.filter((row) => row.count > 0);
    if (positive.length === 0 && questions.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const row of positive) {
        await trx
          .insertInto('funnel_counts')
          .values({ week: row.week, locale: row.locale, channel: row.channel, stage: row.stage, count: row.count })
          .onConflict((conflict) =>
            conflict.columns(['week', 'locale', 'channel', 'stage']).doUpdateSet((update) => ({ count: update('funnel_counts.count', '+', update.ref('excluded.count')) })),
          )
          .execute();
      }
      if (questions.length > 0) {
        await trx
          .insertInto('funnel_questions')
          .values(
            questions.map((question) => {
              const id = randomUUID();
              return {
                id,
                week: question.week,
                locale: question.locale,
                channel: question.channel,
                outcome: question.outcome,
                text_enc: this.cipher.encrypt(question.text, `funnel_questions.text:${id}`),
                created_at: question.at.getTime(),
              };
            }),
          )
          .execute();
      }
    });
  }

  async counts(filter: FunnelFilter): Promise<FunnelCount[]> {
    const rows = await filtered(this.db.selectFrom('funnel_counts').select(['week', 'locale', 'channel', 'stage', 'count']), filter)
      .orderBy('week')
      .orderBy('locale')
      .orderBy('channel')
      .orderBy('stage')
      .execute();
    return rows
      .filter((row) => stageSet.has(row.stage))
      .map((row) => ({ week: row.week, locale: row.locale, channel: row.channel, stage: row.stage as FunnelStage, count: Number(row.count) }));
  }

  async channels(): Promise<string[]> {
    const rows = await this.db.selectFrom('funnel_counts').select('channel').distinct().orderBy('channel').execute();
    return rows.map((row) => row.channel);
  }

  async unansweredQuestions(filter: FunnelFilter, limit: number): Promise<UnansweredQuestion[]> {
    const rows = await filtered(this.db.selectFrom('funnel_questions').select(['id', 'text_enc', 'created_at', 'locale']), filter)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(questionScanLimit)
      .execute();
    // Newest first: the first row of a text is its latest asking.
    const byText = new Map<string, { text: string; count: number; lastAskedAt: Date; locale: string }>();
    for (const row of rows) {
      const text = this.cipher.decrypt(row.text_enc, `funnel_questions.text:${row.id}`);
      const key = text.toLocaleLowerCase();
      const seen = byText.get(key);
      if (seen) seen.count += 1;
      else byText.set(key, { text, count: 1, lastAskedAt: new Date(Number(row.created_at)), locale: row.locale });
    }
    return [...byText.values()].slice(0, Math.max(0, Math.trunc(limit)));
  }

  async referralsCreatedBetween(from: Date, to: Date, filter: Pick<FunnelFilter, 'locale' | 'channel'>): Promise<ReferralFunnelRow[]> {
    let query = this.db
      .selectFrom('referrals')
      .select(['created_at', 'status', 'locale', 'channel'])
      .where('created_at', '>=', from.getTime())
      .where('created_at', '<', to.getTime());
    if (filter.locale !== undefined) query = query.where('locale', '=', filter.locale);
    if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
    const rows = await query.orderBy('created_at').execute();
    return rows
      .filter((row) => statusSet.has(row.status))
      .map((row) => ({ createdAt: new Date(Number(row.created_at)), status: row.status as ReferralStatus, locale: row.locale, channel: row.channel }));
  }

  async purgeQuestionsBefore(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('funnel_questions').where('created_at', '<', cutoff.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

type FilterableTable = 'funnel_counts' | 'funnel_questions';

function filtered<T extends FilterableTable, O>(query: SelectQueryBuilder<FunnelDatabase, T, O>, filter: FunnelFilter): SelectQueryBuilder<FunnelDatabase, T, O> {
  let result = query;
  // Both tables have these columns; Kysely cannot see that through the union, hence the casts to the column names.
  if (filter.locale !== undefined) result = result.where('locale' as never, '=', filter.locale as never);
  if (filter.channel !== undefined) result = result.where('channel' as never, '=', filter.channel as never);
  if (filter.fromWeek !== undefined) result = result.where('week' as never, '>=', filter.fromWeek as never);
  if (filter.toWeek !== undefined) result = result.where('week' as never, '<=', filter.toWeek as never);
  return result;
}
