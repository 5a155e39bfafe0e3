import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { startRecordingServer } from '../support/http';
import { parseExposition, type Sample } from './exposition';

/** What the scripted person types: a name, phone numbers, an email and free text that must never become a label. */
const personal = {
  name: 'Wang Xiaoming',
  phone: '+86 138 0013 8000',
  localPhone: '13800138000',
  email: 'xiaoming.wang@example.com',
  freeText: 'purple elephant in the waiting room',
};

const script = [
  `Hello, my name is ${personal.name}`,
  '1',
  `My phone is ${personal.phone}, or ${personal.localPhone}`,
  `email me at ${personal.email}`,
  `what about the ${personal.freeText}?`,
  'what are the side effects?',
  'should I stop my chemo?',
  'I am coughing up a lot of blood and it will not stop',
  '3',
  personal.name,
  personal.localPhone,
];

describe('GET /metrics on a running app', () => {
  const dataDirs: string[] = [];
  let app: App;
  let baseUrl: string;
  let emulator: Awaited<ReturnType<typeof startRecordingServer>>;

  const newDataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-metrics-'));
    dataDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    emulator = await startRecordingServer(() => ({ status: 200, body: { id: 'reply' } }));
    app = await buildApp(loadConfig({ DATA_DIR: newDataDir() }), { logger: createLogger('silent') });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  });
  afterAll(async () => {
    await app.stop();
    await emulator.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  let sequence = 0;
  async function post(conversationId: string, activity: Record<string, unknown>): Promise<void> {
    sequence += 1;
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `m${sequence}`,
        channelId: 'emulator',
        serviceUrl: emulator.url,
        conversation: { id: conversationId },
        from: { id: `user-${conversationId}`, name: personal.name },
        recipient: { id: 'bot', name: 'Bot' },
        locale: 'en-US',
        timestamp: new Date().toISOString(),
        ...activity,
      }),
    });
    // The Emulator path answers once the turn (and its replies) are done.
    expect(response.status).toBe(200);
  }

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    return { text, samples: parseExposition(text) };
  }

  const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((sum, sample) => sum + sample.value, 0);

  it('counts and times every turn by channel and locale, and no label holds anything the person typed', async () => {
    const before = await scrape();
    const conversationId = 'metrics-conversation';
    await post(conversationId, { type: 'conversationUpdate', membersAdded: [{ id: `user-${conversationId}`, name: personal.name }] });
    for (const text of script) await post(conversationId, { type: 'message', text });

    const after = await scrape();
    const turns = (labels: Record<string, string>) => valueOf(after.samples, 'trialguide_turns_total', labels) - valueOf(before.samples, 'trialguide_turns_total', labels);
    expect(turns({ channel: 'emulator', type: 'conversationUpdate' })).toBe(1);
    expect(turns({ channel: 'emulator', type: 'message' })).toBe(script.length);
    expect(turns({ channel: 'emulator', locale: 'en', outcome: 'ok' })).toBe(script.length + 1);
    const timed = valueOf(after.samples, 'trialguide_turn_duration_seconds_count', { channel: 'emulator' }) - valueOf(before.samples, 'trialguide_turn_duration_seconds_count', { channel: 'emulator' });
    expect(timed).toBe(script.length + 1);
    // Every turn falls into the +Inf bucket; a 10 s bucket exists for the slow ones.
    expect(valueOf(after.samples, 'trialguide_turn_duration_seconds_bucket', { channel: 'emulator', le: '+Inf' })).toBe(valueOf(after.samples, 'trialguide_turn_duration_seconds_count', { channel: 'emulator' }));
    expect(after.samples.some((sample) => sample.name === 'trialguide_turn_duration_seconds_bucket' && sample.labels.le === '10')).toBe(true);

    // The study events the dialogs and the safety net emit reach their series.
    const moved = (name: string, labels: Record<string, string> = {}) => valueOf(after.samples, name, labels) - valueOf(before.samples, name, labels);
    expect(moved('trialguide_conversations_started_total', { channel: 'emulator', locale: 'en' })).toBe(1);
    expect(moved('trialguide_safety_triggers_total', { category: 'bleeding', locale: 'en' })).toBe(1);
    expect(moved('trialguide_medical_decisions_deflected_total', { locale: 'en' })).toBe(1);
    expect(moved('trialguide_recognizer_outcomes_total', { outcome: 'confident', locale: 'en' })).toBeGreaterThanOrEqual(1);

    // No label value (nor anything else in the exposition) carries the person's words.
    expect.hasAssertions();
    const labelValues = after.samples.flatMap((sample) => Object.values(sample.labels));
    const forbidden = [personal.name, 'Xiaoming', personal.phone, personal.localPhone, '0013', personal.email, 'purple', 'elephant', 'chemo', 'blood', conversationId, `user-${conversationId}`];
    // The exposition without its sample values (numbers such as 0.00130 would otherwise match digit fragments).
    const names = after.text
      .split('\n')
      .map((line) => (line.startsWith('#') ? line : line.replace(/\s\S+$/, '')))
      .join('\n')
      .toLowerCase();
    for (const word of forbidden) {
      expect(labelValues.filter((value) => value.toLowerCase().includes(word.toLowerCase())), word).toEqual([]);
      expect(names, word).not.toContain(word.toLowerCase());
    }
    // And labels only take values from small, fixed sets.
    for (const value of labelValues) expect(value, 'label value').toMatch(/^[\w.+:/-]{1,64}$/);
  });

  it('exports every documented series, the outbox depth from the store and the process metrics with the prefix', async () => {
    const { text, samples } = await scrape();
    for (const name of [
      'trialguide_turns_total',
      'trialguide_turn_duration_seconds',
      'trialguide_conversations_started_total',
      'trialguide_topics_viewed_total',
      'trialguide_recognizer_outcomes_total',
      'trialguide_safety_triggers_total',
      'trialguide_medical_decisions_deflected_total',
      'trialguide_prechecks_started_total',
      'trialguide_prechecks_finished_total',
      'trialguide_handoffs_consented_total',
      'trialguide_outbox_pending',
      'trialguide_deliveries_total',
      'trialguide_delivery_failures_total',
      'trialguide_store_errors_total',
      'trialguide_storage_ready',
      'trialguide_process_cpu_seconds_total',
      'trialguide_nodejs_heap_size_used_bytes',
      'trialguide_nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(valueOf(samples, 'trialguide_outbox_pending')).toBe(await app.stores.outbox.countPending());
    expect(valueOf(samples, 'trialguide_storage_ready')).toBe(1);
    // Nothing without the prefix: process metrics are ours too, so two apps on one Prometheus never collide.
    expect(samples.filter((sample) => !sample.name.startsWith('trialguide_')).map((sample) => sample.name)).toEqual([]);
    // The registry is the app's own, never prom-client's global default registry.
    expect(await globalRegistry.getMetricsAsJSON()).toEqual([]);
  });

  it('two apps in one process keep their own counts', async () => {
    const other = await buildApp(loadConfig({ DATA_DIR: newDataDir() }), { logger: createLogger('silent') });
    try {
      const otherUrl = `http://127.0.0.1:${await other.start(0)}`;
      const response = await fetch(`${otherUrl}/metrics`);
      const samples = parseExposition(await response.text());
      expect(valueOf(samples, 'trialguide_turns_total')).toBe(0);
      expect(valueOf((await scrape()).samples, 'trialguide_turns_total')).toBeGreaterThan(0);
    } finally {
      await other.stop();
    }
  });

  it('without METRICS_TOKEN: a loopback scraper is answered, a request a proxy forwarded from a public address is refused', async () => {
    const forwardedPublic = await fetch(`${baseUrl}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(forwardedPublic.status).toBe(403);
    expect(await forwardedPublic.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) as string } });
    const forwardedRfc = await fetch(`${baseUrl}/metrics`, { headers: { forwarded: 'for="[2001:db8::7]:4711";proto=https' } });
    expect(forwardedRfc.status).toBe(403);
    const forwardedPrivate = await fetch(`${baseUrl}/metrics`, { headers: { 'x-forwarded-for': '10.1.2.3, 192.168.0.9' } });
    expect(forwardedPrivate.status).toBe(200);
  });

  it('with METRICS_TOKEN: only the Bearer token gets in, from any address', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const guarded = await buildApp(loadConfig({ DATA_DIR: newDataDir(), METRICS_TOKEN: token }), { logger: createLogger('silent') });
    try {
      const url = `http://127.0.0.1:${await guarded.start(0)}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
      const good = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' } });
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('# TYPE trialguide_turns_total counter');
    } finally {
      await guarded.stop();
    }
  });
});
