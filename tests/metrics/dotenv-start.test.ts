import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const entry = path.join(projectRoot, 'src', 'main.ts');

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** Starts the real process entry in `cwd` and resolves once it logs that it listens (with the port). */
function startEntry(cwd: string, env: Record<string, string>): Promise<Started> {
  // Only what a process needs to run: the test runner's own variables must not leak in.
  const child = spawn(tsx, [entry], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the entry did not start within 60 s:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = output.split('\n').find((candidate) => candidate.includes('"msg":"TrialGuide listening"'));
      const port = line === undefined ? undefined : /"port":(\d+)/.exec(line)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, port: Number(port), output: () => output });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the entry exited with ${code}:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('.env is read at start (src/main.ts)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const tempCwd = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-dotenv-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('takes the variables the environment does not set from ./.env; the real environment wins over the file', async () => {
    const cwd = tempCwd();
    const token = 'dotenv-metrics-token-0123456789';
    writeFileSync(
      path.join(cwd, '.env'),
      [
        '# written by the test',
        `METRICS_TOKEN=${token}`,
        `DATA_DIR=${path.join(cwd, 'data-from-dotenv')}`,
        // Set in the real environment too: if the file won, startup would stop on these bad values.
        'MAX_BODY_BYTES=not-a-number',
        'HOST=not a host at all',
        'PORT=-1',
        '',
      ].join('\n'),
    );
    const started = await startEntry(cwd, { PORT: '0', HOST: '127.0.0.1', MAX_BODY_BYTES: '65536', LOG_LEVEL: 'info', DATA_DIR: path.join(cwd, 'data-from-environment') });
    cleanups.push(() => stop(started.child));

    const url = `http://127.0.0.1:${started.port}/metrics`;
    // METRICS_TOKEN came from the file: even a loopback scrape needs it now.
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // DATA_DIR is set in both: the environment's folder is used, the file's is not created.
    expect(existsSync(path.join(cwd, 'data-from-environment'))).toBe(true);
    expect(existsSync(path.join(cwd, 'data-from-dotenv'))).toBe(false);
  }, 90_000);

  it('starts without a .env file', async () => {
    const cwd = tempCwd();
    const started = await startEntry(cwd, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: path.join(cwd, 'data') });
    cleanups.push(() => stop(started.child));
    // No METRICS_TOKEN anywhere: a loopback scrape is answered.
    expect((await fetch(`http://127.0.0.1:${started.port}/metrics`)).status).toBe(200);
  }, 90_000);
});
