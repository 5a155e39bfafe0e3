import { describe, expect, it } from 'vitest';
import { backoffDelayMs, defaultBackoff } from '../../src/handoff/backoff';
import { outcomeForHttpStatus, parseRetryAfter } from '../../src/handoff/sinks/sink';

describe('backoff with full jitter', () => {
  it('doubles the ceiling per attempt from 30 s and caps it at 1 h', () => {
    const highest = (attempt: number) => backoffDelayMs(attempt, defaultBackoff, () => 0.999999);
    expect(highest(1)).toBe(29_999);
    expect(highest(2)).toBe(59_999);
    expect(highest(3)).toBe(119_999);
    expect(highest(7)).toBe(1_919_998);
    expect(highest(8)).toBe(3_599_996);
    expect(highest(50)).toBe(3_599_996);
    expect(highest(5_000)).toBe(3_599_996);
  });

  it('spreads delays over the whole range but never below the floor', () => {
    expect(backoffDelayMs(5, defaultBackoff, () => 0)).toBe(defaultBackoff.minMs);
    expect(backoffDelayMs(5, defaultBackoff, () => 0.5)).toBe(240_000);
    const draws = Array.from({ length: 200 }, () => backoffDelayMs(4));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...draws)).toBeLessThanOrEqual(240_000);
    expect(new Set(draws).size).toBeGreaterThan(150);
  });
});

describe('HTTP outcome table', () => {
  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('2026-10-21T07:27:00Z'))).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('classifies statuses', () => {
    expect(outcomeForHttpStatus(200).kind).toBe('delivered');
    expect(outcomeForHttpStatus(202).kind).toBe('delivered');
    expect(outcomeForHttpStatus(429, '5')).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 5_000 });
    expect(outcomeForHttpStatus(503).kind).toBe('retry');
    expect(outcomeForHttpStatus(403).kind).toBe('permanent');
    expect(outcomeForHttpStatus(422).kind).toBe('permanent');
  });
});
