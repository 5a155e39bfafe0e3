/**
 * `npm run measure:page`: how long a person on a phone waits for the bot's first message on the hospital page.
 * Starts the real app (temp SQLite), opens the page in Debian's Chromium with the DevTools "Fast 3G" network
 * profile (562.5 ms round trip, 180 kB/s down, 84 kB/s up) and 4x CPU slowdown, cache disabled, and times
 * navigation start → the bot's first message visible (the early preview or Web Chat), and → Web Chat showing it
 * (buttons and send box usable). Prints each cold run, the median, and the bytes received.
 * Options: --runs N (default 3), --no-throttle (loopback speed), --locale zh-CN|en-US|zh-TW.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';

/** Chrome DevTools' "Fast 3G" preset (front_end/core/sdk/NetworkManager.ts). */
const fast3g = { offline: false, latency: 150 * 3.75, downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9, uploadThroughput: ((750 * 1000) / 8) * 0.9 };
const cpuSlowdown = 4;

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 3);
const throttle = !args.includes('--no-throttle');
const browserLocale = option('--locale') ?? 'zh-CN';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-page-'));
  const app = await buildApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  const port = await app.start(0);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const timings: number[] = [];
  try {
    process.stdout.write(`First bot bubble on the chat page — Node ${process.version}, ${throttle ? `Fast 3G + ${cpuSlowdown}x CPU slowdown` : 'no throttling'}, browser locale ${browserLocale}, cache disabled\n`);
    for (let run = 1; run <= runs; run += 1) {
      // A new context per run: no HTTP cache, no service worker, no cookies.
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: browserLocale });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      let received = 0;
      cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
        received += event.encodedDataLength;
      });
      if (throttle) {
        await cdp.send('Network.emulateNetworkConditions', fast3g);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
      }
      const started = Date.now();
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'commit' });
      // The early preview's text or Web Chat's own bubble, whichever shows the bot's first message first.
      await page.locator('.early-bubble, .webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content').first().waitFor({ state: 'visible', timeout: 60_000 });
      const elapsed = Date.now() - started;
      timings.push(elapsed);
      // When Web Chat itself has taken the conversation over (buttons and the send box work from then on).
      await page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content').first().waitFor({ state: 'visible', timeout: 120_000 });
      const interactive = Date.now() - started;
      // Where the time went: the page's own navigation timing (scripts loaded and run) vs the rest (token, conversation, the bot's turn).
      const loaded = await page.evaluate<number>('performance.getEntriesByType("navigation")[0].loadEventEnd');
      process.stdout.write(`  run ${run}: first bot message after ${(elapsed / 1000).toFixed(2)} s; Web Chat ready after ${(interactive / 1000).toFixed(2)} s (load event ${(loaded / 1000).toFixed(2)} s); ${(received / 1024).toFixed(0)} KiB received\n`);
      await context.close();
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    process.stdout.write(`median: ${(median / 1000).toFixed(2)} s (target <= 3 s)\n`);
  } finally {
    await browser.close();
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
