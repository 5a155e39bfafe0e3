import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on every machine: two workers, and heavy suites (browser, crash) opt into serial runs themselves.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
