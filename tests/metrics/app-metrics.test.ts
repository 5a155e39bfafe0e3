import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOrigin, StudyEvent } from '../../src/events/study-events';
import { createWebhookSink } from '../../src/handoff/sinks/webhook-sink';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { type AppMetrics, createAppMetrics } from '../../src/metrics/app-metrics';
import { isPrivateAddress } from '../../src/metrics/metrics-route';
import { createStores } from '../../src/storage/create-stores';
import { ETagConflictError, StorageUnavailableError } from '../../src/storage/storage-errors';
import { newReferral, sampleReferral } from '../handoff/support/fixtures';
import { startRecordingServer } from '../support/http';
import { connectWithSchema, dropSchema, postgresServerUrl } from '../support/postgres-schema';
import { parseExposition, type Sample } from './exposition';

const origin: EventOrigin = { locale: 'zh-Hant', channel: 'wechat' };

async function samplesOf(metrics: AppMetrics): Promise<Sample[]> {
  return parseExposition((await metrics.scrape()).body);
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return matching.length === 0 ? undefined : matching.reduce((sum, sample) => sum + sample.value, 0);
}

const quiet = (outboxDepth: () => Promise<number> = async () => 0, extra: Partial<Parameters<typeof createAppMetrics>[0]> = {}) =>
  createAppMetrics({ outboxDepth, processMetrics: false, ...extra });

describe('study events as Prometheus series', () => {
  it('each event type moves its own series, labelled by channel, locale and the event\'s fixed values', async () => {
    const metrics = quiet();
    const events: StudyEvent[] = [
      { type: 'conversationStarted' },
      { type: 'topicViewed', topicId: 'side-effects' },
      { type: 'questionAsked', outcome: 'confident', intent: 'side-effects' },
      { type: 'questionAsked', outcome: 'unsure', text: 'is the hospital near the MTR?' },
      { type: 'questionAsked', outcome: 'outOfScope', text: 'what is the weather' },
      { type: 'precheckStarted' },
      { type: 'precheckFinished', outcome: 'may-fit' },
      { type: 'precheckFinished', outcome: 'cannot-tell' },
      { type: 'handoffConsented' },
      { type: 'safetyTriggered', category: 'bleeding', certainty: 'clear' },
      { type: 'safetyTriggered', category: 'self-harm', certainty: 'unclear' },
      { type: 'medicalDecisionDeflected' },
    ];
    for (const event of events) metrics.events.record(event, origin);
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'trialguide_conversations_started_total', { channel: 'wechat', locale: 'zh-Hant' })).toBe(1);
    expect(valueOf(samples, 'trialguide_topics_viewed_total', { topic: 'side-effects' })).toBe(1);
    expect(valueOf(samples, 'trialguide_recognizer_outcomes_total', { outcome: 'confident', locale: 'zh-Hant' })).toBe(1);
    expect(valueOf(samples, 'trialguide_recognizer_outcomes_total', { outcome: 'unsure' })).toBe(1);
    expect(valueOf(samples, 'trialguide_recognizer_outcomes_total', { outcome: 'outOfScope' })).toBe(1);
    expect(valueOf(samples, 'trialguide_prechecks_started_total', { channel: 'wechat' })).toBe(1);
    expect(valueOf(samples, 'trialguide_prechecks_finished_total', { outcome: 'may-fit' })).toBe(1);
    expect(valueOf(samples, 'trialguide_prechecks_finished_total', { outcome: 'cannot-tell' })).toBe(1);
    expect(valueOf(samples, 'trialguide_handoffs_consented_total', { channel: 'wechat', locale: 'zh-Hant' })).toBe(1);
    expect(valueOf(samples, 'trialguide_safety_triggers_total', { category: 'bleeding', certainty: 'clear' })).toBe(1);
    expect(valueOf(samples, 'trialguide_safety_triggers_total', { category: 'self-harm', certainty: 'unclear' })).toBe(1);
    expect(valueOf(samples, 'trialguide_medical_decisions_deflected_total', { locale: 'zh-Hant' })).toBe(1);
    // The unrecognised question's text and the recognizer's intent are not labels.
    const text = (await metrics.scrape()).body;
    expect(text).not.toContain('MTR');
    expect(text).not.toContain('weather');
    expect(samples.some((sample) => 'intent' in sample.labels || 'text' in sample.labels)).toBe(false);
  });

  it('a value outside the fixed sets becomes "other" or "unknown", never the value itself', async () => {
    expect.hasAssertions();
    const metrics = quiet();
    const hostile = ['Chan Tai Man', '+852 9123 4567', '91234567', 'chan@example.com', '我爸爸在吐血'];
    for (const value of hostile) {
      const from = { locale: value, channel: value } as unknown as EventOrigin;
      metrics.events.record({ type: 'conversationStarted' }, from);
      metrics.events.record({ type: 'topicViewed', topicId: value }, from);
      metrics.events.record({ type: 'safetyTriggered', category: value, certainty: value as 'clear' }, from);
      metrics.events.record({ type: 'precheckFinished', outcome: value as 'may-fit' }, from);
      metrics.events.record({ type: 'questionAsked', outcome: value as 'unsure', text: value }, from);
    }
    const samples = await samplesOf(metrics);
    const body = (await metrics.scrape()).body;
    for (const value of hostile) expect(body, value).not.toContain(value);
    expect(valueOf(samples, 'trialguide_conversations_started_total', { channel: 'other', locale: 'unknown' })).toBe(hostile.length);
    expect(valueOf(samples, 'trialguide_topics_viewed_total', { topic: 'other' })).toBe(hostile.length);
    expect(valueOf(samples, 'trialguide_safety_triggers_total', { category: 'other', certainty: 'other' })).toBe(hostile.length);
  });

  it('even identifiers from content cannot grow a series without bound: past 200 topic ids, the rest count as "other"', async () => {
    const metrics = quiet();
    for (let index = 0; index < 250; index += 1) metrics.events.record({ type: 'topicViewed', topicId: `topic-${index}` }, origin);
    const samples = (await samplesOf(metrics)).filter((sample) => sample.name === 'trialguide_topics_viewed_total');
    expect(samples).toHaveLength(201);
    expect(valueOf(samples, 'trialguide_topics_viewed_total', { topic: 'other' })).toBe(50);
  });
});

describe('store errors and delivery failures', () => {
  it('classifies store errors: unreachable or refused storage and eTag conflicts count, a bug does not', async () => {
    const metrics = quiet();
    metrics.storeError('turn', new ETagConflictError('some/state/key'));
    metrics.storeError('create_referral', new StorageUnavailableError('Referral not confirmed: disk'));
    metrics.storeError('turn', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    metrics.storeError('turn', new TypeError('cannot read properties of undefined'));
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'trialguide_store_errors_total', { operation: 'turn', kind: 'etag_conflict' })).toBe(1);
    expect(valueOf(samples, 'trialguide_store_errors_total', { operation: 'turn', kind: 'unavailable' })).toBe(1);
    expect(valueOf(samples, 'trialguide_store_errors_total', { operation: 'create_referral', kind: 'unavailable' })).toBe(1);
    expect(valueOf(samples, 'trialguide_store_errors_total')).toBe(3);
  });

  describe('the outbox depth, read from a real PostgreSQL store', () => {
    const schema = `metrics_${randomBytes(4).toString('hex')}`;
    let admin: Awaited<ReturnType<typeof connectWithSchema>>;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-metrics-pg-'));
    beforeAll(async () => {
      admin = await connectWithSchema(schema);
    });
    afterAll(async () => {
      await dropSchema(admin, schema);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is the store\'s pending count; when the database stops answering the scrape still answers and counts a store error', async () => {
      const config = loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: `${postgresServerUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        DATABASE_TIMEOUT_SECONDS: '1',
      });
      const stores = await createStores(config, createLogger('silent'));
      try {
        const metrics = quiet(() => stores.outbox.countPending(), { collectTimeoutMs: 5_000 });
        await stores.referrals.createWithNotifications(newReferral(), ['webhook', 'email'], new Date('2026-12-01T08:00:00Z'));
        expect(valueOf(await samplesOf(metrics), 'trialguide_outbox_pending')).toBe(2);
        expect(valueOf(await samplesOf(metrics), 'trialguide_store_errors_total')).toBeUndefined();

        // Another session holds the table: the count waits until PostgreSQL's statement timeout (1 s) cancels it.
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE ${schema}.outbox IN ACCESS EXCLUSIVE MODE`);
        const started = Date.now();
        const during = await samplesOf(metrics);
        await admin.query('ROLLBACK');
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(valueOf(during, 'trialguide_outbox_pending')).toBe(2);
        expect(valueOf(during, 'trialguide_store_errors_total', { operation: 'outbox_depth', kind: 'unavailable' })).toBe(1);

        // The delivery worker's store, observed: a failed claim is counted and still reaches the worker.
        const observed = metrics.observeStore('outbox_worker', stores.outbox);
        expect(await observed.countPending()).toBe(2);
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE ${schema}.outbox IN ACCESS EXCLUSIVE MODE`);
        const claim = await observed.claimDue(new Date('2026-12-01T09:00:00Z'), 10, 60_000, 'worker-1').catch((error: unknown) => error);
        await admin.query('ROLLBACK');
        expect(claim).toBeInstanceOf(Error);
        expect(valueOf(await samplesOf(metrics), 'trialguide_store_errors_total', { operation: 'outbox_worker', kind: 'unavailable' })).toBe(1);
      } finally {
        await stores.close();
      }
    });
  });

  it('a store that does not answer does not hold up the scrape', async () => {
    const metrics = quiet(() => new Promise<number>(() => undefined), { collectTimeoutMs: 50 });
    const started = Date.now();
    const samples = await samplesOf(metrics);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(valueOf(samples, 'trialguide_store_errors_total', { operation: 'outbox_depth', kind: 'unavailable' })).toBe(1);
  });

  it('storage_ready is the latest write probe: 1, 0 when it failed, 0 when it does not answer in time', async () => {
    const gauge = async (storageReady: () => Promise<boolean>) => valueOf(await samplesOf(quiet(undefined, { storageReady, collectTimeoutMs: 50 })), 'trialguide_storage_ready');
    expect(await gauge(async () => true)).toBe(1);
    expect(await gauge(async () => false)).toBe(0);
    expect(await gauge(() => new Promise<boolean>(() => undefined))).toBe(0);
  });

  it('counts deliveries and failures by sink, from a real webhook sink against a receiver that fails, refuses, then accepts', async () => {
    const answers = [503, 404, 200];
    const receiver = await startRecordingServer(() => ({ status: answers.shift() ?? 200, body: {} }));
    try {
      const metrics = quiet();
      const sinks = metrics.instrumentSinks(new Map([['webhook', createWebhookSink({ url: `${receiver.url}/hook`, secret: 'webhook-secret-0123456789', includeContact: false, publicBaseUrl: 'https://chat.example.org' })]]));
      const sink = sinks.get('webhook')!;
      expect((await sink.deliver(sampleReferral(), 'key-1')).kind).toBe('retry');
      expect((await sink.deliver(sampleReferral(), 'key-1')).kind).toBe('permanent');
      expect((await sink.deliver(sampleReferral(), 'key-1')).kind).toBe('delivered');
      expect(receiver.requests).toHaveLength(3);
      const samples = await samplesOf(metrics);
      expect(valueOf(samples, 'trialguide_delivery_failures_total', { sink: 'webhook', kind: 'retry' })).toBe(1);
      expect(valueOf(samples, 'trialguide_delivery_failures_total', { sink: 'webhook', kind: 'permanent' })).toBe(1);
      expect(valueOf(samples, 'trialguide_deliveries_total', { sink: 'webhook' })).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('who may scrape without a token', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.20', true],
    ['100.64.0.1', true],
    ['fd12:3456::1', true],
    ['fe80::1%eth0', true],
    ['172.32.0.1', false],
    ['8.8.8.8', false],
    ['203.0.113.7', false],
    ['::ffff:203.0.113.7', false],
    ['2001:db8::7', false],
    ['unknown', false],
    ['', false],
  ])('%s -> %s', (address, allowed) => {
    expect(isPrivateAddress(address)).toBe(allowed);
  });
});

describe('the README lists every series', () => {
  it('each series the app registers has a row in the README\'s /metrics table, and every row names a series', async () => {
    expect.hasAssertions();
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\s*\| `(trialguide_[a-z_]+)` \|/gm)].map((match) => match[1]));
    const metrics = createAppMetrics({ outboxDepth: async () => 0, storageReady: async () => true });
    const registered = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    const own = registered.filter((name) => !/^trialguide_(process|nodejs)_/.test(name));
    for (const name of own) expect(documented.has(name), `${name} in README`).toBe(true);
    expect([...documented].sort()).toEqual([...own].sort());
    // The default process and Node.js series are there, with the prefix, and the README names them as a group.
    expect(registered.some((name) => name.startsWith('trialguide_process_'))).toBe(true);
    expect(registered.some((name) => name.startsWith('trialguide_nodejs_'))).toBe(true);
    expect(readme).toContain('`trialguide_process_*`, `trialguide_nodejs_*`');
  });
});
