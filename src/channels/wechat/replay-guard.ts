import { createHash } from 'node:crypto';
import type { Clock } from '../../clock';
import type { KeyValueStore } from '../../storage/ports';

/**
 * How far a signed request's `timestamp` may be from our clock, either way (WeChat's servers and ours are
 * both NTP-synchronised; five minutes absorbs skew and WeChat's retries, which come within about 15 s).
 */
export const signatureWindowSeconds = 5 * 60;

/** Kept a minute beyond the window so a record never expires while its timestamp is still accepted. */
const recordSlackMs = 60_000;

/** WeChat sends decimal epoch seconds and a decimal nonce; anything far from that is not WeChat. */
const timestampPattern = /^\d{1,12}$/;
const noncePattern = /^[\x21-\x7e]{1,64}$/;

/** What a signed request is, as far as replay is concerned. */
export type ReplayVerdict =
  /** First time this (timestamp, nonce) is seen. */
  | 'fresh'
  /**
   * The same (timestamp, nonce) with exactly the same request: WeChat re-sending a push it got no answer to
   * (or someone re-sending a captured request verbatim, which gains nothing). The MsgId de-duplication
   * decides what it gets.
   */
  | 'retry'
  /** The same (timestamp, nonce) with a different request: a captured signature reused. Refuse. */
  | 'replay';

/** A request's fingerprint: the method and the exact body (the query is what the nonce record is keyed on). */
export function requestFingerprint(method: string, body: string): string {
  return createHash('sha256').update(method).update('\n').update(body).digest('hex');
}

/**
 * Makes WeChat's request signatures single-use within a time window.
 *
 * The plaintext signature is SHA-1 over [token, timestamp, nonce]: it covers no body and never expires by
 * itself, so anyone who once saw a signed URL (a proxy's access log, a browser history, a packet capture)
 * could send any body with it. Two checks close most of that:
 *
 * 1. `timestamp` must be within {@link signatureWindowSeconds} of the app's clock, either way.
 * 2. The first request with a given (timestamp, nonce) is recorded in the shared key-value store (atomic
 *    set-if-absent, so it holds across instances on PostgreSQL) together with a hash of the request. A later
 *    request with the same pair is accepted only if it is byte-for-byte the same request.
 *
 * Why not refuse every reused nonce: when WeChat gets no answer within 5 s it sends the same push again, and
 * a retry may carry the same query string. Refusing it would turn a slow turn into an error the person sees.
 * An identical request can do no harm that the original could not: it goes on to the MsgId (events: sender
 * + CreateTime) de-duplication, which runs the turn once and gives a retry the original's answer. A
 * different body under a seen nonce is the attack, and is refused.
 *
 * What remains (plaintext mode only): a captured signature used with another body BEFORE the genuine request
 * arrives, or a signed request that never reached us, can still be replayed inside the window. Safe mode
 * (msg_signature covers the encrypted body) closes that; the README says so.
 */
export class WeChatReplayGuard {
  constructor(
    private readonly keyValue: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  /** True when `timestamp` is well-formed and inside the window around the app's clock. */
  isFresh(timestamp: string): boolean {
    if (!timestampPattern.test(timestamp)) return false;
    const skewSeconds = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    return skewSeconds <= signatureWindowSeconds;
  }

  /** Well-formed nonces only: the nonce becomes part of a storage key. */
  static isWellFormedNonce(nonce: string): boolean {
    return noncePattern.test(nonce);
  }

  /**
   * Records (timestamp, nonce) with the request's fingerprint; call only after the signature and
   * {@link isFresh} passed. Storage errors propagate: the caller refuses the request rather than letting an
   * unchecked nonce through.
   */
  async check(timestamp: string, nonce: string, fingerprint: string): Promise<ReplayVerdict> {
    const key = `wechat:nonce:${timestamp}:${nonce}`;
    const expiresAt = new Date((Number(timestamp) + signatureWindowSeconds) * 1000 + recordSlackMs);
    if (await this.keyValue.setIfAbsent(key, fingerprint, expiresAt)) return 'fresh';
    const seen = await this.keyValue.get(key, this.clock.now());
    return seen === fingerprint ? 'retry' : 'replay';
  }
}
