import type { Stores } from './ports';

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Deletes referrals (with their notifications) and conversation logs older than the retention period,
 * and leaves an audit entry when anything went. Run it at startup and periodically.
 */
export async function purgeExpiredData(stores: Stores, now: Date, retentionDays: number): Promise<{ referrals: number; conversationLogs: number }> {
  if (!Number.isFinite(retentionDays) || retentionDays <= 0) throw new Error(`retentionDays must be positive, got ${retentionDays}`);
  const cutoff = new Date(now.getTime() - retentionDays * dayMs);
  const referrals = await stores.referrals.purgeCreatedBefore(cutoff);
  const conversationLogs = await stores.conversationLogs.purgeOlderThan(cutoff);
  if (referrals > 0 || conversationLogs > 0) {
    await stores.audit.record({
      actor: 'system:retention',
      action: 'referral.purge',
      detail: JSON.stringify({ referrals, conversationLogs, cutoff: cutoff.toISOString(), retentionDays }),
      at: now,
    });
  }
  return { referrals, conversationLogs };
}

/**
 * Deletes chat state (language, dialog position, answers typed so far — possibly a phone number from a
 * hand-off that was never finished) of conversations idle for longer than `idleDays`.
 */
export async function purgeIdleChatState(stores: Stores, now: Date, idleDays: number): Promise<number> {
  if (!Number.isFinite(idleDays) || idleDays <= 0) throw new Error(`idleDays must be positive, got ${idleDays}`);
  return stores.botState.purgeUpdatedBefore(new Date(now.getTime() - idleDays * dayMs));
}

/**
 * Unanswered questions (redacted free text) are kept as long as chat state: deletes those asked more than
 * `idleDays` ago. The funnel's counters hold no personal data and are kept.
 */
export async function purgeUnansweredQuestions(stores: Stores, now: Date, idleDays: number): Promise<number> {
  if (!Number.isFinite(idleDays) || idleDays <= 0) throw new Error(`idleDays must be positive, got ${idleDays}`);
  return stores.funnel.purgeQuestionsBefore(new Date(now.getTime() - idleDays * dayMs));
}
