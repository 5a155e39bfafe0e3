import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { freePort, startNodeProcess, waitUntilHealthy } from '../support/processes';

/**
 * What `npm start` runs: the prestart build (skipped when dist/ is up to date), then the compiled entry with
 * plain node. It must find content/, locales/ and public/ from dist/src/ and load the native SQLite module.
 */
describe('the compiled entry (npm start: node dist/src/main.js)', () => {
  it('builds when stale, starts, answers /healthz, /readyz and the web page, and exits 0 on SIGTERM', async () => {
    const build = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build-if-stale.mjs')], { cwd: projectRoot, encoding: 'utf8' });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    expect(existsSync(path.join(projectRoot, 'dist', 'src', 'main.js'))).toBe(true);
    // The recognizer's weights were stored by the build: the start reads them instead of training.
    expect(readdirSync(path.join(projectRoot, 'dist', 'nlu-cache')).some((name) => name.endsWith('.bin'))).toBe(true);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-compiled-'));
    const port = await freePort();
    // Another working directory: the entry must resolve the project from its own location, not the cwd.
    const { child, exited, output } = startNodeProcess([path.join(projectRoot, 'dist', 'src', 'main.js')], {
      cwd: tmpdir(),
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    });
    try {
      expect(await waitUntilHealthy(port, child, 60_000), output()).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(await ready.json()).toMatchObject({ checks: { storage: true, migrations: true } });
      const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'accept-language': 'zh-CN' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('lang="zh-Hans"');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('"msg":"TrialGuide listening"');
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
