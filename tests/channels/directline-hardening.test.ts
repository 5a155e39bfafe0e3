import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TurnContext } from 'botbuilder';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChannelDependencies } from '../../src/channels/channel-dependencies';
import { type DirectLineEndpoint, registerDirectLineRoutes } from '../../src/channels/web/directline/directline-routes';
import { loadConfig } from '../../src/config/load-config';
import { registerDirectLineTokenRoute } from '../../src/channels/web/directline-token-route';
import { httpErrors } from '../../src/http/error-catalogue';
import { createFixedWindowRateLimiter } from '../../src/http/rate-limit';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';

/** What a hostile client found on the self-hosted Direct Line endpoint (issue 8, finding 6). */
const secret = 'test-directline-secret-0123456789abcdef';

class TestClock {
  current = new Date();
  now(): Date {
    return new Date(this.current);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

interface Harness {
  base: string;
  port: number;
  clock: TestClock;
  logLines: string[];
  stores: Stores;
  endpoint: DirectLineEndpoint;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoBot(context: TurnContext): Promise<void> {
  if (context.activity.type === 'message') await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
}

async function startHarness(): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-dl-hardening-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ LOG_LEVEL: 'info', DATA_DIR: dataDir, DIRECTLINE_SECRET: secret });
  const logLines: string[] = [];
  const logger = createLogger('info', (line) => logLines.push(line));
  const clock = new TestClock();
  const stores = await createStores(config, logger);
  const server = createHttpServer({ config, logger });
  const deps: ChannelDependencies = { config, logger, stores, clock, prepareAdapter: () => undefined, botLogic: echoBot };
  const endpoint = registerDirectLineRoutes(server, deps);
  registerDirectLineTokenRoute(server, { config, logger, clock }, { rateLimiter: createFixedWindowRateLimiter({ limit: 1, windowMs: 60_000 }) });
  const port = await listen(server, 0, '127.0.0.1');
  cleanups.push(async () => {
    endpoint.close();
    await close(server);
    await stores.close();
  });
  return { base: `http://127.0.0.1:${port}/v3/directline`, port, clock, logLines, stores, endpoint };
}

async function call(url: string, init: { method?: string; auth?: string; rawBody?: string } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.auth ? { Authorization: `Bearer ${init.auth}` } : {}), ...(init.rawBody === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: init.rawBody,
  });
  return { status: response.status, text: await response.text() };
}

async function startConversation(harness: Harness): Promise<{ conversationId: string; token: string; streamUrl: string }> {
  const started = await call(`${harness.base}/conversations`, { method: 'POST', auth: secret, rawBody: '{}' });
  expect(started.status).toBe(201);
  return JSON.parse(started.text) as { conversationId: string; token: string; streamUrl: string };
}

/** `{"a": [[[[...]]]]}` nested `depth` arrays deep: a few kB that overflow any recursive walk. */
function nested(depth: number): string {
  return `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

const catalogueBadRequest = { error: { code: 'bad_request', message: httpErrors.bad_request.message } };

describe('Direct Line refuses bodies nested too deep', () => {
  it('answers 400 with the catalogue body (not 500 with RangeError text) for 25,000-deep channelData, value and start bodies', async () => {
    const harness = await startHarness();
    const { conversationId, token } = await startConversation(harness);
    const deep = nested(25_000);
    const activities = `${harness.base}/conversations/${conversationId}/activities`;
    for (const rawBody of [`{"type":"message","text":"hi","channelData":${deep}}`, `{"type":"message","text":"hi","value":${deep}}`]) {
      const refused = await call(activities, { method: 'POST', auth: token, rawBody });
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toEqual(catalogueBadRequest);
    }
    const start = await call(`${harness.base}/conversations`, { method: 'POST', auth: secret, rawBody: `{"user":${deep}}` });
    expect(start.status).toBe(400);
    expect(JSON.parse(start.text)).toEqual(catalogueBadRequest);
    expect(harness.logLines.join('\n')).not.toContain('RangeError');

    // The conversation still works, and a normally nested activity is accepted.
    const fine = await call(activities, { method: 'POST', auth: token, rawBody: `{"type":"message","text":"hi","channelData":{"clientActivityID":"c-1","postBack":{"a":{"b":[1,2,{"c":3}]}}}}` });
    expect(fine.status).toBe(200);
  });
});

describe('Direct Line stream URLs are single use', () => {
  function open(url: string): Promise<{ socket: WebSocket; status: number }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve({ socket, status: 101 }));
      socket.once('unexpected-response', (_request, response) => resolve({ socket, status: response.statusCode ?? 0 }));
      socket.once('error', reject);
    });
  }

  it('a second socket on the same URL is refused, while the first is open and after it closed', async () => {
    const harness = await startHarness();
    const { streamUrl } = await startConversation(harness);
    const first = await open(streamUrl);
    expect(first.status).toBe(101);
    cleanups.push(() => first.socket.terminate());
    expect((await open(streamUrl)).status).toBe(403);
    first.socket.close();
    expect((await open(streamUrl)).status).toBe(403);
    expect(harness.logLines.some((line) => line.includes('"code":"stream_used"'))).toBe(true);
  });

  it('a URL whose nonce was changed is refused; reconnect URLs issued in the same second differ and each opens once', async () => {
    const harness = await startHarness();
    const { conversationId, token, streamUrl } = await startConversation(harness);
    const forged = new URL(streamUrl);
    forged.searchParams.set('n', 'AAAAAAAAAAAAAAAA.AAAA');
    expect((await open(forged.toString())).status).toBe(401);
    forged.searchParams.delete('n');
    expect((await open(forged.toString())).status).toBe(401);

    const reconnect = async () => JSON.parse((await call(`${harness.base}/conversations/${conversationId}`, { auth: token })).text) as { streamUrl: string };
    const [a, b] = [await reconnect(), await reconnect()];
    expect(a.streamUrl).not.toBe(b.streamUrl);
    for (const url of [a.streamUrl, b.streamUrl]) {
      const opened = await open(url);
      expect(opened.status).toBe(101);
      opened.socket.close();
    }
  });
});

describe('refused requests are logged with their error code', () => {
  it('an expired token logs code TokenExpired and the route pattern, never the conversation id', async () => {
    const harness = await startHarness();
    const { conversationId, token } = await startConversation(harness);
    harness.clock.advanceSeconds(1801);
    const expired = await call(`${harness.base}/conversations/${conversationId}/activities`, { method: 'POST', auth: token, rawBody: '{"type":"message","text":"hi"}' });
    expect(expired.status).toBe(403);
    const line = harness.logLines.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.msg === 'direct line request rejected');
    expect(line).toMatchObject({ level: 'info', code: 'TokenExpired', status: 403, route: '/v3/directline/conversations/:id/activities' });
    expect(harness.logLines.join('\n')).not.toContain(conversationId);
  });

  it('the token route logs code too_many_requests when it refuses', async () => {
    const harness = await startHarness();
    const tokenUrl = `http://127.0.0.1:${harness.port}/api/directline/token`;
    expect((await call(tokenUrl, { method: 'POST' })).status).toBe(200);
    expect((await call(tokenUrl, { method: 'POST' })).status).toBe(429);
    const line = harness.logLines.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.msg === 'direct line token refused');
    expect(line).toMatchObject({ code: 'too_many_requests', status: 429 });
  });
});
