import type { Middleware, TurnContext } from 'botbuilder';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StudyEventSink } from '../events/study-events';
import type { Sink } from '../handoff/sinks/sink';
import { ETagConflictError, isStorageFailure } from '../storage/storage-errors';
import { observeBot, createTurnMetricsMiddleware } from './turn-metrics-middleware';
import { createStudyEventMetrics } from './study-event-metrics';

/** Every series this app exports starts with this, the process and Node.js ones included. */
export const metricPrefix = 'trialguide_';

/** Seconds. A turn is mostly well under 50 ms; storage trouble and slow channels show in the upper buckets. */
const turnBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Where a store error was noticed: a fixed list, so the label stays small. */
export type StoreOperation = 'turn' | 'create_referral' | 'find_referral' | 'erase' | 'erase_by_reference' | 'outbox_depth' | 'outbox_worker';

export interface AppMetricsOptions {
  /** Notifications waiting for delivery (parked ones included), read on every scrape. */
  outboxDepth: () => Promise<number>;
  /** Whether the latest storage write probe succeeded (probing once if none ran yet). */
  storageReady?: () => Promise<boolean>;
  /** Longest a scrape waits for the outbox count before it reports the last value. Default 2 s. */
  collectTimeoutMs?: number;
  /** Process and Node.js series (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Milliseconds on a monotonic clock, for turn latency. */
  now?: () => number;
}

export interface AppMetrics {
  /** This app's own registry: never prom-client's global one, so several apps in one process do not mix. */
  readonly registry: Registry;
  /** The Prometheus listener for study events (conversation funnel, recognizer, safety, pre-check, hand-off). */
  readonly events: StudyEventSink;
  /** Counts and times every turn; registered first on every adapter. */
  readonly turnMiddleware: Middleware;
  /** Wraps the bot's logic so a turn's locale label is the one the bot decided. */
  observeBot(logic: (context: TurnContext) => Promise<void>): (context: TurnContext) => Promise<void>;
  /** The same sinks, each delivery's outcome counted by sink. */
  instrumentSinks(sinks: ReadonlyMap<string, Sink>): ReadonlyMap<string, Sink>;
  /** Counts a storage failure (unreachable, refused, eTag conflict); other errors are not store errors and are ignored. */
  storeError(operation: StoreOperation, error: unknown): void;
  /** The same store, each failed call of its async methods passed to `storeError` (and rethrown). */
  observeStore<T extends object>(operation: StoreOperation, store: T): T;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createAppMetrics(options: AppMetricsOptions): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: metricPrefix });

  const turns = new Counter({
    name: `${metricPrefix}turns_total`,
    help: 'Bot turns, by channel, locale, activity type and outcome (error: the turn failed and onTurnError answered).',
    labelNames: ['channel', 'locale', 'type', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${metricPrefix}turn_duration_seconds`,
    help: 'Time from the first middleware to the end of the bot logic, state write included.',
    labelNames: ['channel', 'type'] as const,
    buckets: turnBuckets,
    registers,
  });
  const deliveries = new Counter({
    name: `${metricPrefix}deliveries_total`,
    help: 'Hand-off notifications delivered, by sink.',
    labelNames: ['sink'] as const,
    registers,
  });
  const deliveryFailures = new Counter({
    name: `${metricPrefix}delivery_failures_total`,
    help: 'Failed hand-off notification attempts, by sink and kind (retry: will be tried again; permanent: parked).',
    labelNames: ['sink', 'kind'] as const,
    registers,
  });

  const collectTimeoutMs = options.collectTimeoutMs ?? 2_000;
  /** This scrape's outbox read; the store-error counter waits for it, so a failed read shows in the same scrape. */
  let outboxRead: Promise<void> = Promise.resolve();
  // Registered before the store-error counter: prom-client starts each series' collect in registration order.
  new Gauge({
    name: `${metricPrefix}outbox_pending`,
    help: 'Hand-off notifications not yet delivered (parked ones included), read from the store at each scrape.',
    registers,
    async collect() {
      outboxRead = withinTime(options.outboxDepth(), collectTimeoutMs).then(
        (depth) => {
          this.set(depth);
        },
        (error: unknown) => {
          // The scrape still answers (with the last value); the failure is itself a store error.
          storeErrors.inc({ operation: 'outbox_depth', kind: error instanceof CollectTimeout || isStorageFailure(error) ? 'unavailable' : 'other' });
        },
      );
      await outboxRead;
    },
  });
  const storeErrors = new Counter({
    name: `${metricPrefix}store_errors_total`,
    help: 'Storage failures, by where they were noticed and kind (unavailable: unreachable, refused or too slow; etag_conflict: another turn wrote first).',
    labelNames: ['operation', 'kind'] as const,
    registers,
    async collect() {
      await outboxRead;
    },
  });
  const storeError = (operation: StoreOperation, error: unknown) => {
    if (error instanceof ETagConflictError) storeErrors.inc({ operation, kind: 'etag_conflict' });
    else if (isStorageFailure(error)) storeErrors.inc({ operation, kind: 'unavailable' });
  };

  const { storageReady } = options;
  if (storageReady) {
    new Gauge({
      name: `${metricPrefix}storage_ready`,
      help: 'Whether the latest storage write probe succeeded (1) or failed or did not answer in time (0).',
      registers,
      async collect() {
        this.set((await withinTime(storageReady(), collectTimeoutMs).catch(() => false)) ? 1 : 0);
      },
    });
  }

  return {
    registry,
    events: createStudyEventMetrics(registry, metricPrefix),
    turnMiddleware: createTurnMetricsMiddleware({ turns, duration }, options.now),
    observeBot,
    instrumentSinks(sinks) {
      return new Map(
        [...sinks].map(([name, sink]) => [
          name,
          {
            name: sink.name,
            async deliver(referral, idempotencyKey) {
              try {
                const outcome = await sink.deliver(referral, idempotencyKey);
                if (outcome.kind === 'delivered') deliveries.inc({ sink: sink.name });
                else deliveryFailures.inc({ sink: sink.name, kind: outcome.kind });
                return outcome;
              } catch (error) {
                // The worker retries a sink that throws; count it as such and let the worker handle it.
                deliveryFailures.inc({ sink: sink.name, kind: 'retry' });
                throw error;
              }
            },
          } satisfies Sink,
        ]),
      );
    },
    storeError,
    observeStore(operation, store) {
      return new Proxy(store, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const result: unknown = Reflect.apply(value, target, args);
            if (!(result instanceof Promise)) return result;
            return result.catch((error: unknown) => {
              storeError(operation, error);
              throw error;
            });
          };
        },
      });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

class CollectTimeout extends Error {
  constructor() {
    super('metric collection timed out');
    this.name = 'CollectTimeout';
  }
}

async function withinTime<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CollectTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
