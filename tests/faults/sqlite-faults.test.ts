import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { sqliteFileName } from '../../src/storage/embedded/sqlite-database';
import { openSqliteConnection } from '../../src/storage/embedded/sqlite-driver';
import { allText, startConversation } from '../support/conversation-harness';

/**
 * Fault suite, embedded SQLite: the data directory is removed while the bot runs. SQLite keeps writing through
 * its open file into a file nobody will open again, so without a check the bot would confirm a referral that
 * is gone after the next restart.
 */
const t = createTranslator(projectRoot).getFixedT('en');
const referencePattern = /TG-[2-9A-HJKMNP-Z]{5}/;

async function readiness(port: number): Promise<{ status: number; body: { status: string; checks: Record<string, boolean> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, boolean> } };
}

describe('SQLite data directory removed while running', () => {
  it('the next hand-off is not confirmed, the person gets the phone number, /readyz is 503 and the log says why', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-vanish-'));
    const chat = await startConversation({ locale: 'en-US', dataDir, env: { LOG_LEVEL: 'info' } });
    const port = await chat.app.start(0);
    try {
      const { coordinator } = chat.app.config.site;
      // Ready once the delivery worker has run its first round.
      let before = await readiness(port);
      for (let tries = 0; before.status !== 200 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        before = await readiness(port);
      }
      expect(before).toEqual({ status: 200, body: { status: 'ready', checks: { storage: true, outboxWorker: true, migrations: true } } });

      await chat.say('I am the patient');
      await chat.say('talk to a person');
      for (const answer of ['yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English']) await chat.say(answer);

      rmSync(dataDir, { recursive: true, force: true });

      const reply = allText(await chat.say('yes'));
      expect(reply).toContain(t('handoff:saveFailed.message'));
      expect(reply).toContain(coordinator.phone);
      expect(reply).not.toMatch(referencePattern);
      // Nothing is left for the coordinators' list or the delivery worker.
      expect((await chat.stores.referrals.list({ limit: 10 })).items).toEqual([]);
      expect(await chat.stores.outbox.countPending()).toBe(0);

      const after = await readiness(port);
      expect(after.status).toBe(503);
      expect(after.body).toMatchObject({ status: 'not-ready', checks: { storage: false } });
      // Liveness is not readiness: the process is up.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      const logged = chat.logLines.map((line) => JSON.parse(line) as { level: string; msg: string; reason?: string; error?: string });
      expect(logged.find((line) => line.level === 'error' && line.msg.startsWith('referral NOT stored'))?.error).toMatch(/no longer exists|removed/);
      expect(logged.find((line) => line.level === 'error' && line.msg.startsWith('storage write probe failed'))?.reason).toMatch(/no longer exists|removed/);
    } finally {
      await chat.app.stop();
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQLite shared-memory file truncated while mapped', () => {
  it('the store refuses the write with a clear error instead of the process dying of SIGBUS', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-shm-'));
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'tests/faults/fixtures/truncate-shm.ts', dataDir], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(child.signal, child.stderr).toBeNull();
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout).toContain('truncated');
      expect(child.stdout).toMatch(/write refused: StorageUnavailableError: .*shared-memory file .* was truncated/);
      expect(child.stdout).toMatch(/probe \{"ok":false,"reason":".*shared-memory/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQLite shared-memory file left read-only', () => {
  it('startup fails with an error naming the file, not a crash', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-roshm-'));
    // As root (CI containers), run the child as "nobody" so that file permissions apply to it.
    const asRoot = process.getuid?.() === 0;
    try {
      const opened = spawnSync(process.execPath, ['--import', 'tsx', 'tests/faults/fixtures/open-stores.ts', dataDir], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
      expect(opened.stdout, opened.stderr).toContain('opened');
      const shm = path.join(dataDir, 'trialguide.sqlite-shm');
      writeFileSync(shm, Buffer.alloc(32_768));
      chmodSync(shm, 0o444);
      if (asRoot) {
        chmodSync(dataDir, 0o777);
        for (const name of ['trialguide.sqlite', 'encryption.key']) chownSync(path.join(dataDir, name), 65534, 65534);
      }
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'tests/faults/fixtures/open-stores.ts', dataDir], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      // A child that could not even start (the node binary not readable by "nobody") says so here.
      expect(child.error?.message).toBeUndefined();
      expect(child.signal, child.stderr).toBeNull();
      expect(child.status).toBe(1);
      expect(child.stderr).toContain(`${shm} is not writable by this process`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('/readyz checks the applied migrations', () => {
  it('answers 503 with migrations: false when the migration record is gone, and 200 again once it is back', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-migrations-'));
    const chat = await startConversation({ locale: 'en-US', dataDir });
    const port = await chat.app.start(0);
    try {
      let ready = await readiness(port);
      for (let tries = 0; ready.status !== 200 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await readiness(port);
      }
      expect(ready.status).toBe(200);
      const database = openSqliteConnection(path.join(dataDir, sqliteFileName));
      try {
        database.exec('ALTER TABLE kysely_migration RENAME TO kysely_migration_away');
        expect(await readiness(port)).toEqual({ status: 503, body: { status: 'not-ready', checks: { storage: true, outboxWorker: true, migrations: false } } });
        database.exec('ALTER TABLE kysely_migration_away RENAME TO kysely_migration');
      } finally {
        database.close();
      }
      expect((await readiness(port)).status).toBe(200);
    } finally {
      await chat.app.stop();
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
