import type { FieldCipher } from '../../security/field-encryption';
import type { SqlContext } from '../database';
import type { ConversationLogStore } from '../ports';

/**
 * Activity history per conversation. Sequence numbers come from a per-conversation counter row bumped
 * by an upsert inside the append transaction: concurrent appends queue on that row's lock (PostgreSQL)
 * or on the single writer (SQLite), so numbers are gap-free and never repeat. Activities carry what the
 * person typed (possibly a phone number), so they are encrypted.
 */
export class SqlConversationLogStore implements ConversationLogStore {
  constructor(
    private readonly context: SqlContext,
    private readonly cipher: FieldCipher,
  ) {}

  private aad(conversationId: string, seq: number): string {
    return `conversation_log:${conversationId}:${seq}`;
  }

  async append(conversationId: string, activity: object, now: Date): Promise<number> {
    const at = now.getTime();
    return this.context.db.transaction().execute(async (trx) => {
      const counter = await trx
        .insertInto('conversation_sequences')
        .values({ conversation_id: conversationId, last_seq: 1, updated_at: at })
        .onConflict((conflict) =>
          conflict.column('conversation_id').doUpdateSet((eb) => ({ last_seq: eb('conversation_sequences.last_seq', '+', 1), updated_at: at })),
        )
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const seq = Number(counter.last_seq);
      await trx
        .insertInto('conversation_log')
        .values({ conversation_id: conversationId, seq, activity_enc: this.cipher.encrypt(JSON.stringify(activity), this.aad(conversationId, seq)), created_at: at })
        .execute();
      return seq;
    });
  }

  async since(conversationId: string, watermark: number): Promise<{ activities: object[]; watermark: number }> {
    const rows = await this.context.db
      .selectFrom('conversation_log')
      .select(['seq', 'activity_enc'])
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', watermark)
      .orderBy('seq')
      .execute();
    const last = rows[rows.length - 1];
    return {
      activities: rows.map((row) => JSON.parse(this.cipher.decrypt(row.activity_enc, this.aad(conversationId, Number(row.seq)))) as object),
      watermark: last ? Number(last.seq) : watermark,
    };
  }

  async deleteConversation(conversationId: string): Promise<void> {
    await this.context.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('conversation_log').where('conversation_id', '=', conversationId).execute();
      await trx.deleteFrom('conversation_sequences').where('conversation_id', '=', conversationId).execute();
    });
  }

  /**
   * Deletes activities older than `cutoff`; returns how many. A counter is dropped only when its
   * conversation has been silent since the cutoff, so a live conversation never reuses a number.
   */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    const at = cutoff.getTime();
    return this.context.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('conversation_log').where('created_at', '<', at).executeTakeFirst();
      await trx.deleteFrom('conversation_sequences').where('updated_at', '<', at).execute();
      return Number(result.numDeletedRows);
    });
  }
}
