import type { Referral } from '../../storage/ports';

/** Stable names: they are stored in outbox rows, so renaming one strands its pending messages. */
export const sinkNames = ['webhook', 'email', 'wecom', 'teams', 'teams-channel'] as const;
export type SinkName = (typeof sinkNames)[number];

/**
 * What one delivery attempt came to. `reason` is logged and stored with the outbox row, so it carries
 * status codes and error codes only — never the URL (WeCom's key is in it) or any personal data.
 */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; /** The receiver asked us to wait at least this long (Retry-After). */ retryAfterMs?: number }
  | { kind: 'permanent'; reason: string };

export interface Sink {
  readonly name: SinkName;
  /** Never rejects on receiver trouble: it reports an outcome. `idempotencyKey` is the same on every retry. */
  deliver(referral: Referral, idempotencyKey: string): Promise<DeliveryOutcome>;
}

/** 2xx delivered; 408 and 429 are worth waiting for, as is every 5xx; other answers will not change on retry. */
export function outcomeForHttpStatus(status: number, retryAfter?: string | null): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  return { kind: 'permanent', reason };
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
