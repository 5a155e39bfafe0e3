/**
 * `npm run outbox:retry`: after fixing a notification sink (a mistyped webhook URL, a rotated SMTP password),
 * makes every waiting notification due now — including ones parked after a permanent failure. The running
 * server's delivery worker sends them at its next poll. Uses the same configuration as the server.
 */
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';
import { createStores } from '../src/storage/create-stores';

async function main(): Promise<void> {
  const config = loadConfig();
  const stores = await createStores(config, createLogger('warn'));
  try {
    const now = new Date();
    const requeued = await stores.outbox.retryNow(now);
    await stores.audit.record({ actor: 'operator:outbox-retry', action: 'outbox.retry', detail: `notifications requeued=${requeued}`, at: now });
    process.stdout.write(`${requeued} waiting notification(s) are due now; ${await stores.outbox.countPending()} pending in all.\n`);
  } finally {
    await stores.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`outbox:retry failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
