import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

/** Runs `src/main.ts` as hospital IT would (`npm start`), with the given environment. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
      const deadline = Date.now() + 20_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline && main.child.exitCode === null) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.status === 200).catch(() => false);
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healthy, main.output()).toBe(true);
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      expect(main.output()).toContain('"msg":"shutting down"');
    } finally {
      main.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
