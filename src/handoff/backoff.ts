export interface BackoffPolicy {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay ever exceeds this. */
  capMs: number;
  /** Floor, so a jitter draw of ~0 does not turn into a tight loop against a struggling receiver. */
  minMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 30_000, capMs: 60 * 60_000, minMs: 1_000 };

/**
 * Exponential backoff with full jitter (uniform in [0, min(cap, base·2^(attempt-1))]): many referrals that
 * failed together against one receiver spread out instead of returning in a herd. `attempt` counts from 1.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.min(policy.capMs, Math.max(policy.minMs, Math.floor(random() * ceiling)));
}
