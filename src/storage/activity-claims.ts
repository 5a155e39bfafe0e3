import type { KeyValueStore } from './ports';

/** How long a client's activity id is remembered: far longer than any client retries a POST. */
export const activityClaimMs = 24 * 60 * 60 * 1000;

export type ActivityClaim = { fresh: true } | { fresh: false; id: string };

/**
 * At-most-once handling of a client's message across retries and instances: the first POST carrying a given
 * client activity id (Web Chat's `channelData.clientActivityID`) claims it with the id the server gave the
 * activity; a repeat, even on another instance or while the first is still being answered, gets that id back and
 * must not be processed. `scope` names the conversation, so ids from different conversations never collide.
 */
export async function claimClientActivity(
  keyValue: KeyValueStore,
  scope: string,
  clientActivityId: string,
  activityId: string,
  now: Date,
  ttlMs = activityClaimMs,
): Promise<ActivityClaim> {
  const key = `activity-claim:${scope}:${clientActivityId}`;
  // Two rounds: a claim that expires between the failed claim and the read is free again.
  for (let round = 0; round < 2; round += 1) {
    if (await keyValue.setIfAbsent(key, activityId, new Date(now.getTime() + ttlMs))) return { fresh: true };
    const id = await keyValue.get(key, now);
    if (id !== undefined) return { fresh: false, id };
  }
  return { fresh: false, id: activityId };
}
