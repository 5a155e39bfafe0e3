import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { OutboxMessage, Stores } from '../storage/ports';
import { type BackoffPolicy, backoffDelayMs, defaultBackoff } from './backoff';
import type { DeliveryOutcome, Sink } from './sinks/sink';

export interface OutboxWorkerOptions {
  stores: Pick<Stores, 'referrals' | 'outbox'>;
  sinks: ReadonlyMap<string, Sink>;
  clock: Clock;
  logger: Logger;
  /** Idle wait between polls (real time). Default 5 s. */
  pollMs?: number;
  /** Messages claimed per round. Default 10. */
  batchSize?: number;
  /** How long a claim keeps other instances away; must exceed a sink's timeout. Default 2 min. */
  leaseMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** After this many failed attempts a message is parked like a permanent failure. Default 100 (days at the 1 h cap). */
  maxAttempts?: number;
  workerId?: string;
  random?: () => number;
  /** false: no background loop, only `runOnce` (tests, one-shot scripts). Default true. */
  autoStart?: boolean;
}

export interface OutboxWorkerStats {
  delivered: number;
  retried: number;
  parked: number;
}

export interface OutboxWorker {
  /** Claims and processes one batch; resolves with how many messages it handled. Rejects only on storage errors. */
  runOnce(): Promise<number>;
  /** Asks for a round now (after a new referral) instead of at the next poll. */
  nudge(): void;
  stop(): Promise<void>;
  stats(): OutboxWorkerStats;
  /**
   * Wall-clock milliseconds (Date.now) when the background loop last finished a round, successful or not;
   * undefined before the first. /readyz reports the worker dead when this is too old.
   */
  lastLoopAt(): number | undefined;
}

/**
 * Parked messages stay in the outbox (so `countPending` and an operator still see them) but are never due.
 * Far future rather than a flag: the OutboxStore port has no "park" operation.
 */
export const parkedUntil = new Date(Date.UTC(9999, 11, 31));

/**
 * Delivers outbox messages. All state is in the store: a restarted or second instance picks up where this one
 * left off, and a claim is a lease that simply expires if this process dies mid-delivery. Delivery is
 * at-least-once; receivers de-duplicate on the message's idempotency key.
 */
export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { stores, sinks, clock, logger } = options;
  const pollMs = options.pollMs ?? 5_000;
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 120_000;
  const policy: BackoffPolicy = { ...defaultBackoff, ...options.backoff };
  const maxAttempts = options.maxAttempts ?? 100;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const random = options.random ?? Math.random;
  const counts: OutboxWorkerStats = { delivered: 0, retried: 0, parked: 0 };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inTick = false;
  let nudged = false;
  let chain: Promise<unknown> = Promise.resolve();
  let lastLoop: number | undefined;

  async function settle(message: OutboxMessage, outcome: DeliveryOutcome, reference: string | undefined): Promise<void> {
    // The claim counts the attempt it starts (crashed ones included), so this is already the current attempt.
    const attempt = Math.max(message.attempts, 1);
    const fields = { sink: message.sink, messageId: message.id, reference, attempt };
    if (outcome.kind === 'delivered') {
      await stores.outbox.markDelivered(message.id, clock.now());
      counts.delivered += 1;
      logger.info('hand-off notification delivered', fields);
      return;
    }
    if (outcome.kind === 'permanent' || attempt >= maxAttempts) {
      const why = outcome.kind === 'permanent' ? outcome.reason : `gave up after ${attempt} attempts (${outcome.reason})`;
      await stores.outbox.markFailed(message.id, `parked: ${why}`, parkedUntil);
      counts.parked += 1;
      logger.error('hand-off notification parked: it will not be retried; fix the sink, then re-queue it', { ...fields, reason: why });
      return;
    }
    const delay = Math.min(policy.capMs, Math.max(backoffDelayMs(attempt, policy, random), outcome.retryAfterMs ?? 0));
    const next = new Date(clock.now().getTime() + delay);
    await stores.outbox.markFailed(message.id, outcome.reason, next);
    counts.retried += 1;
    logger.warn('hand-off notification failed; will retry', { ...fields, reason: outcome.reason, retryInMs: delay });
  }

  async function processMessage(message: OutboxMessage): Promise<void> {
    const sink = sinks.get(message.sink);
    if (!sink) {
      // Configuration changed since the referral was written: keep the message for when the sink returns.
      await settle(message, { kind: 'retry', reason: `sink "${message.sink}" is not configured`, retryAfterMs: policy.capMs }, undefined);
      return;
    }
    let referral;
    try {
      referral = await stores.referrals.get(message.referralId);
    } catch (error) {
      // e.g. a DecryptionError after a key mix-up: back off like any failure rather than spin on the lease.
      await settle(message, { kind: 'retry', reason: `referral unreadable: ${(error as Error | undefined)?.name ?? 'unknown'}` }, undefined);
      return;
    }
    if (!referral) {
      // Erased or purged after the claim: nothing left to announce.
      await stores.outbox.markDelivered(message.id, clock.now());
      logger.info('hand-off notification dropped: the referral no longer exists', { sink: message.sink, messageId: message.id });
      return;
    }
    let outcome: DeliveryOutcome;
    try {
      outcome = await sink.deliver(referral, message.idempotencyKey);
    } catch (error) {
      outcome = { kind: 'retry', reason: `sink error ${(error as Error | undefined)?.name ?? 'unknown'}` };
    }
    await settle(message, outcome, referral.reference);
  }

  async function round(): Promise<number> {
    const messages = await stores.outbox.claimDue(clock.now(), batchSize, leaseMs, workerId);
    const results = await Promise.allSettled(messages.map((message) => processMessage(message)));
    for (const result of results) {
      // The lease expires and another round retries it; the store itself is what failed here.
      if (result.status === 'rejected') logger.error('hand-off outbox update failed', { error: result.reason as unknown });
    }
    return messages.length;
  }

  function runOnce(): Promise<number> {
    // Serialised so a nudge and a poll never process the same batch twice in one process.
    const run = chain.then(round);
    chain = run.catch(() => undefined);
    return run;
  }

  function schedule(delayMs: number): void {
    if (stopped || options.autoStart === false) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), delayMs);
  }

  async function tick(): Promise<void> {
    timer = undefined;
    inTick = true;
    nudged = false;
    let handled = 0;
    try {
      handled = await runOnce();
    } catch (error) {
      logger.error('hand-off outbox poll failed', { error });
    } finally {
      inTick = false;
      lastLoop = Date.now();
    }
    schedule(nudged || handled >= batchSize ? 0 : pollMs);
  }

  schedule(0);

  return {
    runOnce,
    nudge() {
      if (inTick) nudged = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain;
    },
    stats: () => ({ ...counts }),
    lastLoopAt: () => (stopped ? undefined : lastLoop),
  };
}
