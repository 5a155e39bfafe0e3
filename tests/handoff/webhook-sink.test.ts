import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookSink, signWebhookBody } from '../../src/handoff/sinks/webhook-sink';
import { pii, sampleReferral } from './support/fixtures';
import { type ReceivedRequest, sendJson, startLocalHttp } from './support/local-http';

const secret = 'webhook-secret-for-tests-0123456789';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function receiver(reply: Parameters<typeof startLocalHttp>[0]) {
  const server = await startLocalHttp(reply);
  closers.push(() => server.close());
  return server;
}

/** What a hospital system does: recompute the HMAC over the raw bytes and compare in constant time. */
function verifySignature(request: ReceivedRequest, key: string): boolean {
  const header = String(request.headers['x-signature-256'] ?? '');
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(request.raw).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook sink', () => {
  it('posts a signed JSON body with the idempotency key, without contact details by default', async () => {
    const server = await receiver((_request, res) => sendJson(res, 200, { ok: true }));
    const sink = createWebhookSink({ url: `${server.url}/hooks/referrals`, secret, includeContact: false, publicBaseUrl: 'https://trialguide.example.org' });

    const outcome = await sink.deliver(sampleReferral(), 'referral:abc:webhook');

    expect(outcome).toEqual({ kind: 'delivered' });
    expect(server.received).toHaveLength(1);
    const request = server.received[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/referrals');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['x-idempotency-key']).toBe('referral:abc:webhook');
    expect(verifySignature(request, secret)).toBe(true);
    expect(verifySignature(request, 'a-different-secret-0123456789')).toBe(false);
    const body = JSON.parse(request.raw.toString('utf8'));
    expect(body.event).toBe('referral.created');
    expect(body.idempotencyKey).toBe('referral:abc:webhook');
    expect(body.notification).toMatchObject({
      reference: 'TG-7K3Q9',
      locale: 'zh-Hans',
      channel: 'webchat',
      createdAt: '2026-11-20T08:30:00.000Z',
      precheck: { outcome: 'may-fit', flags: ['brain-metastases', 'autoimmune-disease'] },
      link: 'https://trialguide.example.org/api/referrals/7f1e2d3c-0000-4000-8000-00000000abcd',
    });
    expect(body.referral).toBeUndefined();
    const text = request.raw.toString('utf8');
    for (const value of [pii.name, pii.phone, pii.email, pii.bestTime, 'webchat/conversation-0']) expect(text).not.toContain(value);
  });

  it('signs exactly the bytes sent, Chinese text included', async () => {
    const server = await receiver((_request, res) => sendJson(res, 204, {}));
    const sink = createWebhookSink({ url: server.url, secret, includeContact: true, publicBaseUrl: 'https://trialguide.example.org' });

    await sink.deliver(sampleReferral(), 'key-1');

    const request = server.received[0]!;
    expect(request.headers['x-signature-256']).toBe(signWebhookBody(request.raw, secret));
    expect(verifySignature(request, secret)).toBe(true);
    // Re-serialising would change nothing here, but a receiver must never need to: bytes in == bytes signed.
    expect(request.raw.toString('utf8')).toContain(pii.name);
  });

  it('sends the full record, without the conversation key, only with HANDOFF_WEBHOOK_INCLUDE_CONTACT', async () => {
    const server = await receiver((_request, res) => sendJson(res, 200, {}));
    const sink = createWebhookSink({ url: server.url, secret, includeContact: true, publicBaseUrl: 'https://trialguide.example.org' });

    await sink.deliver(sampleReferral(), 'key-2');

    const body = JSON.parse(server.received[0]!.raw.toString('utf8'));
    expect(body.referral.contact).toEqual(sampleReferral().contact);
    expect(body.referral.precheck.answers).toEqual({ age: '56', diagnosis: 'yes' });
    expect(body.referral.reference).toBe('TG-7K3Q9');
    expect(JSON.stringify(body)).not.toContain('conversation-0');
  });

  it.each([
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [301, 'permanent'],
  ] as const)('classifies HTTP %i as %s', async (status, kind) => {
    const server = await receiver((_request, res) => {
      res.writeHead(status, status === 301 ? { Location: 'http://127.0.0.1:9/elsewhere' } : {});
      res.end();
    });
    const sink = createWebhookSink({ url: server.url, secret, includeContact: false, publicBaseUrl: 'https://trialguide.example.org' });

    const outcome = await sink.deliver(sampleReferral(), 'key-3');

    expect(outcome.kind).toBe(kind);
    expect(server.received).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    const server = await receiver((_request, res) => {
      res.writeHead(429, { 'Retry-After': '120' });
      res.end();
    });
    const sink = createWebhookSink({ url: server.url, secret, includeContact: false, publicBaseUrl: 'https://trialguide.example.org' });
    expect(await sink.deliver(sampleReferral(), 'key-4')).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 120_000 });
  });

  it('retries after a timeout and after a refused connection, naming no URL', async () => {
    const slow = await receiver(async (_request, res) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      sendJson(res, 200, {});
    });
    const timedOut = await createWebhookSink({ url: slow.url, secret, includeContact: false, publicBaseUrl: 'https://x.example', timeoutMs: 100 }).deliver(sampleReferral(), 'k');
    expect(timedOut).toEqual({ kind: 'retry', reason: 'timeout' });

    const gone = await receiver((_request, res) => sendJson(res, 200, {}));
    const goneUrl = `${gone.url}/secret-path?key=credential`;
    await gone.close();
    const refused = await createWebhookSink({ url: goneUrl, secret, includeContact: false, publicBaseUrl: 'https://x.example' }).deliver(sampleReferral(), 'k');
    expect(refused.kind).toBe('retry');
    expect(JSON.stringify(refused)).not.toContain('credential');
    expect(JSON.stringify(refused)).not.toContain('127.0.0.1');
  });
});
