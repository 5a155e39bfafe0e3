import type { Logger } from '../logger';
import type { StorageProbeResult, Stores } from './ports';

export interface StorageMonitor {
  /** Probes now (for /readyz and after a failed hand-off); logs when the outcome changes. */
  check(): Promise<StorageProbeResult>;
  /** The latest outcome, if any probe ran. */
  last(): StorageProbeResult | undefined;
  /** Probes every `intervalMs` in the background until `stop`. */
  start(intervalMs: number): void;
  stop(): void;
}

/**
 * Watches that storage still takes durable writes: a removed data directory, a full or failing disk, a lost or
 * silent database. A change is logged once (error when it fails, info when it recovers), not on every probe.
 */
export function createStorageMonitor(stores: Pick<Stores, 'kind' | 'probeWrite'>, logger: Logger): StorageMonitor {
  let latest: StorageProbeResult | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<StorageProbeResult> | undefined;

  const record = (result: StorageProbeResult) => {
    const before = latest;
    latest = result;
    if (!result.ok && (before === undefined || before.ok || before.reason !== result.reason)) {
      logger.error('storage write probe failed: this instance is not ready and will not confirm hand-offs', { backend: stores.kind, reason: result.reason, ms: result.ms });
    } else if (result.ok && before !== undefined && !before.ok) {
      logger.info('storage write probe succeeds again: ready', { backend: stores.kind, ms: result.ms });
    }
    return result;
  };

  const check = (): Promise<StorageProbeResult> => {
    // Overlapping requests share one probe.
    running ??= stores
      .probeWrite()
      .then(record)
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    check,
    last: () => latest,
    start(intervalMs) {
      if (timer) return;
      timer = setInterval(() => void check(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
