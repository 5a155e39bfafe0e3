import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { allText, startConversation } from '../support/conversation-harness';
import { startFaultProxy } from './support/tcp-proxy';
import { connectWithSchema, dropSchema } from '../support/postgres-schema';

/**
 * Fault suite, PostgreSQL. Loopback only, bounded: the app's own connections (found by a per-run
 * application_name) are terminated by the server while conversations run, and a "database" that accepts TCP
 * and never answers stands in for a hung server.
 */
const serverUrl = 'postgres://postgres@127.0.0.1:5432/test';
const runId = randomBytes(4).toString('hex');
const schema = `tg_fault_${runId}`;
const applicationName = `tg_fault_${runId}`;
const appUrl = `${serverUrl}?application_name=${applicationName}&options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const key = randomBytes(32).toString('base64');
const appEnv = { DATABASE_URL: appUrl, DATA_ENCRYPTION_KEY: key, DIRECTLINE_SECRET: `fault-suite-directline-secret-${runId}`, DATABASE_TIMEOUT_SECONDS: '3' };

let admin: pg.Client;

beforeAll(async () => {
  admin = await connectWithSchema(schema, serverUrl);
});

afterAll(async () => {
  await dropSchema(admin, schema);
});

/** Terminates every connection of this run's app; returns how many. */
async function terminateAppConnections(): Promise<number> {
  const result = await admin.query<{ terminated: boolean }>(
    'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
    [applicationName],
  );
  return result.rows.filter((row) => row.terminated).length;
}

/** Collects what would otherwise kill the process: an unhandled 'error' event is an uncaught exception. */
function watchForCrashes(): { crashes: string[]; stop(): void } {
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    crashes,
    stop() {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}

describe('PostgreSQL connections terminated by the server under traffic', () => {
  it('the process stays up, every turn gets an answer, no reference is given for an unsaved referral, and later turns work', async () => {
    const watch = watchForCrashes();
    const chats = await Promise.all(
      [0, 1, 2, 3].map(() =>
        startConversation({ locale: 'en-US', env: appEnv }),
      ),
    );
    // Each harness opens its own app; all of them share the application_name, so the killer hits them all.
    let killing = true;
    let kills = 0;
    const killer = (async () => {
      while (killing) {
        kills += await terminateAppConnections();
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();
    try {
      const transcripts: string[] = [];
      const replyCounts: number[] = [];
      await Promise.all(
        chats.map(async (chat) => {
          for (let round = 0; round < 4; round += 1) {
            for (const text of ['I am the patient', 'talk to a person', 'yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English', 'yes', 'menu']) {
              const replies = await chat.say(text);
              replyCounts.push(replies.length);
              transcripts.push(allText(replies));
            }
          }
        }),
      );
      killing = false;
      await killer;
      expect(kills, 'the fault was really injected').toBeGreaterThan(0);
      expect(watch.crashes).toEqual([]);
      // Every turn was answered (a polite failure at worst), never left silent.
      expect(replyCounts.filter((count) => count === 0)).toEqual([]);
      // A turn that met the lost connection was told so, with the study team's phone; the generic "something
      // went wrong" (which also restarted the conversation's dialogs, losing the person's progress) never appears.
      const t = createTranslator(projectRoot).getFixedT('en');
      const { coordinator } = chats[0]!.app.config.site;
      const politeFailures = transcripts.filter((text) => text.includes(t('handoff:storageDown')) || text.includes(t('handoff:saveFailed.message')));
      expect(politeFailures.length, 'some turns met the fault').toBeGreaterThan(0);
      for (const text of politeFailures) expect(text).toContain(coordinator.phone);
      expect(transcripts.filter((text) => text.includes(t('common:error.generic')))).toEqual([]);
      // Every reference the bot gave exists in the database.
      const stored = new Set((await admin.query<{ reference: string }>(`SELECT reference FROM ${schema}.referrals`)).rows.map((row) => row.reference));
      const given = transcripts.flatMap((text) => text.match(/TG-[2-9A-HJKMNP-Z]{5}/g) ?? []);
      expect(given.filter((reference) => !stored.has(reference))).toEqual([]);

      // The database is back (it never left): a whole hand-off works on a fresh conversation of the same app.
      const after = await startConversation({ locale: 'en-US', env: appEnv });
      try {
        await after.say('I am the patient');
        await after.say('talk to a person');
        for (const answer of ['yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English']) await after.say(answer);
        const confirmation = allText(await after.say('yes'));
        expect(confirmation).toMatch(/TG-[2-9A-HJKMNP-Z]{5}/);
      } finally {
        await after.close();
      }
    } finally {
      killing = false;
      await killer;
      watch.stop();
      for (const chat of chats) await chat.close();
    }
    expect(watch.crashes).toEqual([]);
  }, 90_000);
});

describe('PostgreSQL connections dropped just before the hand-off turn', () => {
  it('the turn retries on a fresh connection: the referral is stored, then confirmed; at worst the person is told and a retry works', async () => {
    const watch = watchForCrashes();
    const chat = await startConversation({ locale: 'en-US', env: appEnv });
    const t = createTranslator(projectRoot).getFixedT('en');
    try {
      for (let round = 0; round < 3; round += 1) {
        await chat.say('I am the patient');
        await chat.say('talk to a person');
        for (const answer of ['yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English']) await chat.say(answer);
        expect(await terminateAppConnections()).toBeGreaterThan(0);
        let reply = allText(await chat.say('yes'));
        if (!/TG-[2-9A-HJKMNP-Z]{5}/.test(reply)) {
          // Not confirmed: then it must say so, with the phone, and the next try must work.
          expect(reply).toContain(chat.app.config.site.coordinator.phone);
          expect(reply.includes(t('handoff:storageDown')) || reply.includes(t('handoff:saveFailed.message'))).toBe(true);
          reply = allText(await chat.say(reply.includes(t('handoff:saveFailed.message')) ? 'try again' : 'yes'));
        }
        const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(reply)?.[0];
        expect(reference, reply).toBeDefined();
        const stored = await admin.query(`SELECT 1 FROM ${schema}.referrals WHERE reference = $1`, [reference]);
        expect(stored.rowCount).toBe(1);
        await chat.say('menu');
      }
      expect(watch.crashes).toEqual([]);
    } finally {
      watch.stop();
      await chat.close();
    }
  });
});

/** A TCP server on loopback that accepts connections and never says a word: a hung database. */
async function startSilentServer(): Promise<{ url: string; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a silent PostgreSQL (accepts TCP, never answers)', () => {
  it('startup fails within the configured timeout with an error that says what is wrong', async () => {
    const silent = await startSilentServer();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-silent-'));
    try {
      const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: silent.url, DATA_ENCRYPTION_KEY: key, DATABASE_TIMEOUT_SECONDS: '1' });
      const started = Date.now();
      const outcome = await Promise.race([
        createStores(config, createLogger('silent')).then(
          async (stores) => {
            await stores.close();
            return 'opened';
          },
          (error: unknown) => error,
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
      ]);
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+ did not answer within 1 s/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(silent.sockets.length).toBeGreaterThan(0);
    } finally {
      await silent.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 20_000);

  it('the process (npm start) exits within bounded time, saying which server did not answer', async () => {
    const silent = await startSilentServer();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-silent-main-'));
    try {
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: silent.url, DATA_ENCRYPTION_KEY: key, DIRECTLINE_SECRET: appEnv.DIRECTLINE_SECRET, DATABASE_TIMEOUT_SECONDS: '2', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.stdout.resume();
      const exit = await new Promise<number | string | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve('still running after 30 s');
        }, 30_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      expect(exit, stderr).toBe(1);
      expect(stderr).toMatch(/TrialGuide failed to start: PostgreSQL at 127\.0\.0\.1:\d+ did not answer within 2 s \(DATABASE_TIMEOUT_SECONDS\)/);
      // tsx start-up included; the database wait itself is 2 s.
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      await silent.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});

describe('PostgreSQL going silent, then down, then back, while the app runs', () => {
  it('/healthz stays 200 at once, /readyz answers 503 in bounded time, turns get the polite reply, and all recovers', async () => {
    const proxy = await startFaultProxy(5432);
    const proxiedUrl = `postgres://postgres@127.0.0.1:${proxy.port}/test?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const chat = await startConversation({ locale: 'en-US', env: { ...appEnv, DATABASE_URL: proxiedUrl, DATABASE_TIMEOUT_SECONDS: '1' } });
    const port = await chat.app.start(0);
    const get = async (route: string) => {
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(15_000) });
      return { status: response.status, body: (await response.json()) as { checks?: Record<string, boolean> }, ms: Date.now() - started };
    };
    const untilReady = async () => {
      for (let tries = 0; tries < 100; tries += 1) {
        if ((await get('/readyz')).status === 200) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    const t = createTranslator(projectRoot).getFixedT('en');
    const { coordinator } = chat.app.config.site;
    try {
      expect(await untilReady()).toBe(true);
      await chat.say('I am the patient');

      proxy.setMode('silent');
      const health = await get('/healthz');
      expect(health.status).toBe(200);
      expect(health.ms).toBeLessThan(1_000);
      const silentReady = await get('/readyz');
      expect(silentReady.status).toBe(503);
      expect(silentReady.body.checks?.storage).toBe(false);
      expect(silentReady.ms).toBeLessThan(6_000);
      const started = Date.now();
      const silentTurn = allText(await chat.say('talk to a person'));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(silentTurn).toContain(t('handoff:storageDown'));
      expect(silentTurn).toContain(coordinator.phone);

      proxy.setMode('down');
      const downTurn = allText(await chat.say('talk to a person'));
      expect(downTurn).toContain(t('handoff:storageDown'));
      expect((await get('/readyz')).status).toBe(503);

      proxy.setMode('pass');
      expect(await untilReady()).toBe(true);
      // The conversation continues where it was before the outage (its state was kept, not reset).
      const back = allText(await chat.say('talk to a person'));
      expect(back).toContain(t('handoff:consent.question'));
      for (const answer of ['yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English']) await chat.say(answer);
      expect(allText(await chat.say('yes'))).toMatch(/TG-[2-9A-HJKMNP-Z]{5}/);
    } finally {
      await chat.app.stop();
      await chat.close();
      await proxy.close();
    }
  }, 90_000);
});
