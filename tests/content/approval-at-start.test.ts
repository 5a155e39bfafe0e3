import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { ContentApprovalError } from '../../src/content/content-approval';
import { computeContentVersion } from '../../src/content/content-version';
import { createLogger } from '../../src/logger';
import { type TempProject, tempProject } from './support/temp-project';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function project(options: { withCode?: boolean } = {}): TempProject {
  const created = tempProject(options);
  cleanups.push(() => created.remove());
  return created;
}

function dataDir(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'trialguide-approval-data-')), 'data');
  cleanups.push(() => rmSync(path.dirname(dir), { recursive: true, force: true }));
  return dir;
}

/** Builds the app on a copy of the project, capturing its log lines. */
async function build(root: string, env: Record<string, string>) {
  const lines: string[] = [];
  const dir = dataDir();
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'info', ...env }, root);
  const logger = createLogger('info', (line) => lines.push(line));
  const result = await buildApp(config, { logger }).then(
    (app) => {
      cleanups.push(() => app.stores.close());
      return { app, error: undefined };
    },
    (error: unknown) => ({ app: undefined, error }),
  );
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; level: number | string; contentVersion?: string; approvedBy?: string });
  return { ...result, logged, dataDir: dir };
}

describe('content approval at start', () => {
  it('approved content: logs who approved it, and REQUIRE_APPROVED_CONTENT=true starts', async () => {
    const copy = project();
    const { version } = computeContentVersion(copy.root);
    copy.writeApprovals([{ version, approvedBy: 'Ethics Committee of Example Hospital', approvedAt: '2026-12-01' }]);
    const { app, error, logged } = await build(copy.root, { REQUIRE_APPROVED_CONTENT: 'true' });
    expect(error).toBeUndefined();
    expect(app?.contentVersion).toBe(version);
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'content approved', contentVersion: version, approvedBy: 'Ethics Committee of Example Hospital' }));
    expect(logged.some((line) => line.msg.startsWith('content NOT approved'))).toBe(false);
   }, 90_000);

  it('unapproved content without the requirement: starts, and warns with the version', async () => {
    const copy = project();
    copy.writeApprovals([]);
    const { version } = computeContentVersion(copy.root);
    const { app, error, logged } = await build(copy.root, {});
    expect(error).toBeUndefined();
    expect(app?.contentVersion).toBe(version);
    const warning = logged.find((line) => line.msg.startsWith('content NOT approved'));
    expect(warning).toMatchObject({ contentVersion: version });
    expect(logged.some((line) => line.msg === 'content approved')).toBe(false);
   }, 90_000);

  it('REQUIRE_APPROVED_CONTENT=true with unapproved content: refuses before opening storage, saying which version and what to do', async () => {
    const copy = project();
    const { version } = computeContentVersion(copy.root);
    // Approved wording, then one word changed: the approval no longer applies.
    copy.writeApprovals([{ version: 'abcdefabcdef', approvedBy: 'Ethics Committee', approvedAt: '2026-11-01' }]);
    const { app, error, dataDir: dir } = await build(copy.root, { REQUIRE_APPROVED_CONTENT: 'true' });
    expect(app).toBeUndefined();
    expect(error).toBeInstanceOf(ContentApprovalError);
    expect((error as Error).message).toContain(`content version ${version} is not approved`);
    expect((error as Error).message).toContain('content/approved.json');
    expect((error as Error).message).toContain('npm run content:export');
    expect(existsSync(dir)).toBe(false);
   }, 90_000);

  it('the process (npm start\'s entry) exits non-zero with a clear message', async () => {
    const copy = project({ withCode: true });
    copy.writeApprovals([]);
    const { version } = computeContentVersion(copy.root);
    const dir = dataDir();
    const child = spawn(process.execPath, [path.join(copy.root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/main.ts'], {
      cwd: copy.root,
      env: { PATH: process.env.PATH, REQUIRE_APPROVED_CONTENT: 'true', DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A fresh copy of the sources is compiled on the way: slow on a busy machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(1);
    expect(stderr).toContain(`TrialGuide failed to start: content version ${version} is not approved, and REQUIRE_APPROVED_CONTENT=true`);
    expect(stdout).not.toContain('TrialGuide listening');
    expect(existsSync(dir)).toBe(false);
  }, 180_000);
});
