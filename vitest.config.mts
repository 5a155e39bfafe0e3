import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The Chromium tests need Debian's chromium at /usr/bin/chromium. `.ci/run` installs it and sets CI, so in CI
 * they always run (failing if the browser is missing). On a developer machine without it, they are left out
 * with a warning, so `npm install && npm test` works on a fresh machine.
 */
const chromiumTests = ['tests/browser/web-chat.test.ts', 'tests/console/*-browser.test.ts'];
const chromiumMissing = !existsSync('/usr/bin/chromium');
const leaveOutBrowserTests = chromiumMissing && !process.env.CI;
if (leaveOutBrowserTests) {
  process.stderr.write(`\n[vitest] /usr/bin/chromium not found: ${chromiumTests.join(', ')} NOT run. Install it with: apt-get install -y chromium fonts-wqy-microhei\n\n`);
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: leaveOutBrowserTests ? [...chromiumTests, '**/node_modules/**'] : ['**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on every machine: two workers.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
