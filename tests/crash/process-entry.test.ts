import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startNodeProcess, waitUntilHealthy } from '../support/processes';

/** Runs `src/main.ts` as hospital IT would (`npm start`), with the given environment. */
function startMain(env: Record<string, string>) {
  return startNodeProcess(['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env } });
}

describe('the process entry (npm start)', () => {
  it('a bad environment stops startup with one line per bad variable, naming what is expected', async () => {
    const main = startMain({ PORT: 'eighty', LOG_LEVEL: 'loud', DATA_ENCRYPTION_KEY: 'too-short' });
    expect(await main.exited).toBe(78);
    expect(main.output()).toMatch(/PORT: /);
    expect(main.output()).toMatch(/LOG_LEVEL: /);
    expect(main.output()).toMatch(/DATA_ENCRYPTION_KEY: must be 32 bytes, base64-encoded/);
    expect(main.output()).toContain('.env.example');
    expect(main.output()).not.toMatch(/\n\s+at /);
  });

  it('serves /healthz with no .env, and on SIGTERM drains and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-entry-'));
    const port = await freePort();
    const main = startMain({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      expect(await waitUntilHealthy(port, main.child, 20_000), main.output()).toBe(true);
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      expect(main.output()).toContain('"msg":"shutting down"');
    } finally {
      main.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
