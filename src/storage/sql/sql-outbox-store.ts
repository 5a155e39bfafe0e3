import type { SqlContext } from '../database';
import type { OutboxMessage, OutboxStore } from '../ports';

/** Kept short: a sink's error text is diagnostic, and must not grow the table without bound. */
const maxErrorLength = 1000;

/**
 * The transactional outbox. A claim is ONE statement that picks due, unleased rows and stamps a lease:
 * on PostgreSQL the inner SELECT takes row locks with SKIP LOCKED, so concurrent workers on several
 * instances never receive the same row; SQLite runs one writer at a time, so the statement is atomic.
 * `attempts` is incremented by the claim (it counts deliveries started, including ones lost to a crash),
 * so the first delivery of a message sees `attempts === 1`.
 */
export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly context: SqlContext) {}

  async claimDue(now: Date, limit: number, leaseMs: number, workerId: string): Promise<OutboxMessage[]> {
    if (limit <= 0) return [];
    const { db, backend } = this.context;
    const at = now.getTime();
    let due = db
      .selectFrom('outbox')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', at)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(Math.trunc(limit));
    if (backend === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await db
      .updateTable('outbox')
      .set((eb) => ({ lease_until: at + leaseMs, leased_by: workerId, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .returning(['id', 'referral_id', 'sink', 'idempotency_key', 'attempts', 'next_attempt_at'])
      .execute();
    return rows
      .map((row) => ({
        id: row.id,
        referralId: row.referral_id,
        sink: row.sink,
        idempotencyKey: row.idempotency_key,
        attempts: Number(row.attempts),
        nextAttemptAt: new Date(Number(row.next_attempt_at)),
      }))
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  async markDelivered(id: string, now: Date): Promise<void> {
    await this.context.db
      .updateTable('outbox')
      .set({ state: 'delivered', delivered_at: now.getTime(), lease_until: null, leased_by: null, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.context.db
      .updateTable('outbox')
      .set({ next_attempt_at: nextAttemptAt.getTime(), lease_until: null, leased_by: null, last_error: error.slice(0, maxErrorLength) })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  async countPending(): Promise<number> {
    const row = await this.context.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async retryNow(now: Date): Promise<number> {
    const result = await this.context.db
      .updateTable('outbox')
      .set({ next_attempt_at: now.getTime() })
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', now.getTime())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
