import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropSchemas } from '../support/postgres-schema';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock';
import { type OutboxWorker, startOutboxWorker } from '../../src/handoff/outbox-worker';
import { createReferral } from '../../src/handoff/referral-service';
import { eraseConversation } from '../../src/privacy/erase-conversation';
import type { Sink } from '../../src/handoff/sinks/sink';
import { createWebhookSink } from '../../src/handoff/sinks/webhook-sink';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { createCaptureLogger } from './support/capture-logger';
import { ManualClock, forbiddenInLogs, newReferral, tempDataDir, testConfig } from './support/fixtures';
import { type ReceivedRequest, sendJson, startLocalHttp } from './support/local-http';

const capture = createCaptureLogger();
const logger = capture.logger;
const secret = 'webhook-secret-for-tests-0123456789';
const backoff = { baseMs: 1_000, capMs: 8_000, minMs: 100 };
const databaseUrl = 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${Date.now().toString(36)}`;
const pgSchemas: string[] = [];

type Backend = 'sqlite' | 'postgres';

let data: ReturnType<typeof tempDataDir>;
/** Opens the CURRENT test's database again: a restarted process, or a second instance. */
let openStores: () => Promise<Stores>;
let stores: Stores;
const cleanups: Array<() => Promise<void> | void> = [];

function useBackend(backend: Backend): void {
  beforeEach(async () => {
    data = tempDataDir();
    if (backend === 'sqlite') {
      openStores = () => createStores(testConfig({ DATA_DIR: data.dir }), logger);
    } else {
      const schema = `handoff_${runId}_${pgSchemas.length}`;
      pgSchemas.push(schema);
      const config = testConfig({ DATA_DIR: data.dir, DATABASE_URL: databaseUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      openStores = () => createStores(config, logger, { schema });
    }
    stores = await openStores();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await stores.close();
    data.remove();
  });
}

afterAll(async () => {
  if (pgSchemas.length === 0) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await dropSchemas(client, pgSchemas);
  } finally {
    await client.end();
  }
});

async function receiver(reply: Parameters<typeof startLocalHttp>[0]) {
  const server = await startLocalHttp(reply);
  cleanups.push(() => server.close());
  return server;
}

function webhookSinks(url: string, timeoutMs = 2_000): ReadonlyMap<string, Sink> {
  return new Map([['webhook', createWebhookSink({ url, secret, includeContact: true, publicBaseUrl: 'https://trialguide.example.org', timeoutMs })]]);
}

const keyOf = (request: ReceivedRequest) => String(request.headers['x-idempotency-key']);

/** Rounds of the worker, moving the test clock past the longest backoff between them, until the outbox is empty. */
async function drain(worker: OutboxWorker, clock: ManualClock, storesToCheck: Stores, maxRounds = 60): Promise<number> {
  for (let round = 1; round <= maxRounds; round += 1) {
    await worker.runOnce();
    if ((await storesToCheck.outbox.countPending()) === 0) return round;
    clock.advance(backoff.capMs + 1);
  }
  throw new Error('outbox did not drain');
}

describe.each(['sqlite', 'postgres'] as const)('outbox worker on the %s store', (backend) => {
  useBackend(backend);

  it('webhook down for a while, then up: every referral delivered exactly once per idempotency key', async () => {
    expect(stores.kind).toBe(backend);
    const clock = new ManualClock();
    let calls = 0;
    let slowed = false;
    /** Keys the receiving system processed (it answered 2xx, whether or not our side saw the answer in time). */
    const processed: string[] = [];
    const server = await receiver(async (request, res) => {
      calls += 1;
      if (calls <= 12) return sendJson(res, 503, { error: 'maintenance' });
      processed.push(keyOf(request));
      if (!slowed) {
        // One acknowledgement is lost to a timeout: the worker must redeliver, with the same key.
        slowed = true;
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      sendJson(res, 200, { ok: true });
    });
    const worker = startOutboxWorker({ stores, sinks: webhookSinks(server.url, 300), clock, logger, backoff, autoStart: false, random: () => 0.5 });
    cleanups.push(() => worker.stop());

    const referrals = [];
    for (let index = 0; index < 5; index += 1) {
      referrals.push(await createReferral({ stores, sinkNames: ['webhook'], clock, logger, worker }, newReferral({}, index)));
    }
    const expectedKeys = new Set(referrals.map((referral) => `referral:${referral.id}:webhook`));

    expect(await worker.runOnce()).toBe(5);
    // Backoff is honoured: nothing is due again until the clock moves.
    expect(await worker.runOnce()).toBe(0);

    const rounds = await drain(worker, clock, stores);

    expect(rounds).toBeGreaterThan(2);
    expect(calls).toBeGreaterThan(12 + 5);
    for (const request of server.received) expect(expectedKeys.has(keyOf(request))).toBe(true);
    // The receiver de-duplicates on the key: exactly one record per referral.
    expect(new Set(processed)).toEqual(expectedKeys);
    const perKey = new Map<string, number>();
    for (const key of processed) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    expect([...perKey.values()].sort()).toEqual([1, 1, 1, 1, 2]);
    expect(worker.stats()).toMatchObject({ delivered: 5, parked: 0 });
    expect(worker.stats().retried).toBeGreaterThanOrEqual(13);
  });

  it('parks a permanent failure: logged, counted, kept in the outbox, never retried', async () => {
    const clock = new ManualClock();
    const server = await receiver((_request, res) => sendJson(res, 404, { error: 'no such hook' }));
    const worker = startOutboxWorker({ stores, sinks: webhookSinks(server.url), clock, logger, backoff, autoStart: false });
    cleanups.push(() => worker.stop());
    const referral = await createReferral({ stores, sinkNames: ['webhook'], clock, logger }, newReferral());

    expect(await worker.runOnce()).toBe(1);
    clock.advance(365 * 24 * 3_600_000);
    expect(await worker.runOnce()).toBe(0);

    expect(server.received).toHaveLength(1);
    expect(worker.stats()).toMatchObject({ delivered: 0, parked: 1 });
    expect(await stores.outbox.countPending()).toBe(1);
    const parkedLine = capture.lines.find((line) => line.includes('parked') && line.includes(referral.reference));
    expect(parkedLine).toContain('HTTP 404');
  });

  it('survives a worker that crashed mid-delivery: its lease expires and a restarted process delivers', async () => {
    const clock = new ManualClock();
    const server = await receiver((_request, res) => sendJson(res, 200, {}));
    const referral = await createReferral({ stores, sinkNames: ['webhook'], clock, logger }, newReferral());
    // The crashed instance claimed the message and never settled it.
    expect(await stores.outbox.claimDue(clock.now(), 10, 60_000, 'crashed-instance')).toHaveLength(1);
    await stores.close();

    // "Restart": a new process opens the same database.
    stores = await openStores();
    const worker = startOutboxWorker({ stores, sinks: webhookSinks(server.url), clock, logger, backoff, leaseMs: 60_000, autoStart: false });
    cleanups.push(() => worker.stop());
    expect(await worker.runOnce()).toBe(0);
    clock.advance(60_001);
    expect(await worker.runOnce()).toBe(1);

    expect(server.received.map(keyOf)).toEqual([`referral:${referral.id}:webhook`]);
    expect(await stores.outbox.countPending()).toBe(0);
  });

  it('two instances on one database never deliver the same message twice to a healthy receiver', async () => {
    const clock = new ManualClock();
    const server = await receiver(async (_request, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sendJson(res, 200, {});
    });
    const second = await openStores();
    cleanups.push(() => second.close());
    const one = startOutboxWorker({ stores, sinks: webhookSinks(server.url), clock, logger, backoff, batchSize: 3, autoStart: false, workerId: 'one' });
    const two = startOutboxWorker({ stores: second, sinks: webhookSinks(server.url), clock, logger, backoff, batchSize: 3, autoStart: false, workerId: 'two' });
    cleanups.push(() => one.stop(), () => two.stop());
    for (let index = 0; index < 20; index += 1) await createReferral({ stores, sinkNames: ['webhook'], clock, logger }, newReferral({}, index));

    for (let round = 0; round < 20 && (await stores.outbox.countPending()) > 0; round += 1) {
      await Promise.all([one.runOnce(), two.runOnce()]);
    }

    const keys = server.received.map(keyOf);
    expect(keys).toHaveLength(20);
    expect(new Set(keys).size).toBe(20);
    expect(one.stats().delivered).toBeGreaterThan(0);
    expect(two.stats().delivered).toBeGreaterThan(0);
  });

  it('keeps, rather than parks, a message whose sink is no longer configured', async () => {
    const clock = new ManualClock();
    const worker = startOutboxWorker({ stores, sinks: new Map(), clock, logger, backoff, autoStart: false });
    cleanups.push(() => worker.stop());
    await createReferral({ stores, sinkNames: ['teams'], clock, logger }, newReferral());

    expect(await worker.runOnce()).toBe(1);
    expect(worker.stats()).toMatchObject({ retried: 1, parked: 0 });
    clock.advance(backoff.capMs + 1);
    expect(await worker.runOnce()).toBe(1);
  });

  it('in the background, delivers a new referral promptly when nudged and stops cleanly', async () => {
    const server = await receiver((_request, res) => sendJson(res, 200, {}));
    const worker = startOutboxWorker({ stores, sinks: webhookSinks(server.url), clock: systemClock, logger, pollMs: 60_000 });
    cleanups.push(() => worker.stop());
    // Let the start-up round find the empty outbox, so only the nudge can explain a prompt delivery.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const referral = await createReferral({ stores, sinkNames: ['webhook'], clock: systemClock, logger, worker }, newReferral());

    await expect.poll(() => server.received.length, { timeout: 3_000 }).toBe(1);
    expect(keyOf(server.received[0]!)).toBe(`referral:${referral.id}:webhook`);
    await expect.poll(() => stores.outbox.countPending(), { timeout: 3_000 }).toBe(0);
    await worker.stop();
  });
});

describe('eraseConversation', () => {
  useBackend('sqlite');

  // A Direct Line conversation (namespace "directline"): only those have a Direct Line history to erase.
  it('removes the conversation\'s referrals, pending notifications, bot state and history, and audits without personal data', async () => {
    const clock = new ManualClock();
    const mine = 'directline/conversation-a';
    await createReferral({ stores, sinkNames: ['webhook', 'email'], clock, logger }, newReferral({ conversationKey: mine }, 0));
    await createReferral({ stores, sinkNames: ['webhook', 'email'], clock, logger }, newReferral({ conversationKey: mine }, 1));
    const other = await createReferral({ stores, sinkNames: ['webhook', 'email'], clock, logger }, newReferral({ conversationKey: 'directline/conversation-b' }, 2));
    const stateKeys = [`${mine}/conversation`, `directline/users/user-a`];
    await stores.botState.write({ [stateKeys[0]!]: { eTag: '*', dialog: 'precheck' }, [stateKeys[1]!]: { eTag: '*', name: 'x' }, 'directline/conversation-b/conversation': { eTag: '*', dialog: 'menu' } });
    await stores.conversationLogs.append('conversation-a', { type: 'message', text: 'hello' }, clock.now());
    expect(await stores.outbox.countPending()).toBe(6);

    const result = await eraseConversation(stores, mine, stateKeys, clock);

    expect(result).toEqual({ referrals: 2, stateKeys: 2 });
    expect(await stores.outbox.countPending()).toBe(2);
    expect((await stores.referrals.list({ limit: 100 })).items.map((item) => item.id)).toEqual([other.id]);
    expect(await stores.botState.read(stateKeys)).toEqual({});
    expect(Object.keys(await stores.botState.read(['directline/conversation-b/conversation']))).toHaveLength(1);
    expect((await stores.conversationLogs.since('conversation-a', 0)).activities).toEqual([]);
    const [entry] = await stores.audit.list(1);
    expect(entry).toMatchObject({ actor: 'person', action: 'conversation.erase', detail: 'channel=directline referrals=2 stateKeys=2' });
    expect(JSON.stringify(entry)).not.toContain('conversation-a');
  });
});

// Declared last, so it runs after every test above has logged.
it('logged none of the phone numbers, emails or names used', () => {
  expect.hasAssertions();
  expect(capture.lines.length).toBeGreaterThan(5);
  for (const value of forbiddenInLogs) expect(capture.text()).not.toContain(value);
});
