import type { SqlContext } from '../database';
import type { AuditEntry, AuditLog } from '../ports';

/** Append-only: this class has no update or delete, and neither does anything else in the code base. */
export class SqlAuditLog implements AuditLog {
  constructor(private readonly context: SqlContext) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.context.db
      .insertInto('audit_log')
      .values({ actor: entry.actor, action: entry.action, referral_id: entry.referralId ?? null, detail: entry.detail ?? null, at: entry.at.getTime() })
      .execute();
  }

  /** Newest first. */
  async list(limit: number): Promise<AuditEntry[]> {
    const rows = await this.context.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(Math.max(Math.trunc(limit), 0))
      .execute();
    return rows.map((row) => ({
      actor: row.actor,
      action: row.action as AuditEntry['action'],
      ...(row.referral_id !== null ? { referralId: row.referral_id } : {}),
      ...(row.detail !== null ? { detail: row.detail } : {}),
      at: new Date(Number(row.at)),
    }));
  }
}
