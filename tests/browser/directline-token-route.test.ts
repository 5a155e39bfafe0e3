import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Request, Server } from 'restify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { registerDirectLineTokenRoute } from '../../src/channels/web/directline-token-route';
import { clientAddressKey, createFixedWindowRateLimiter } from '../../src/http/rate-limit';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';

/** POST /api/directline/token: what the chat page calls instead of ever seeing the Direct Line secret. */
const silent = createLogger('silent');
const allowedOrigin = 'https://hospital.example';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-token-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

class TestClock {
  current = new Date();
  now(): Date {
    return new Date(this.current);
  }
}

/** Just the HTTP server and the token route: enough for limits, CORS and the Azure exchange. */
async function startTokenServer(env: Record<string, string>, options: Parameters<typeof registerDirectLineTokenRoute>[2] = {}, clock = new TestClock()): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: newDataDir(), WEB_ALLOWED_ORIGINS: allowedOrigin, ...env });
  const server: Server = createHttpServer({ config, logger: silent });
  registerDirectLineTokenRoute(server, { config, logger: silent, clock }, options);
  const port = await listen(server, 0, '127.0.0.1');
  cleanups.push(() => close(server));
  return `http://127.0.0.1:${port}`;
}

const postToken = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/api/directline/token`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });

describe('the token the chat page carries (one round trip less on a slow phone network)', () => {
  it('the page carries a fresh self-hosted token that starts a conversation; the route\'s rate limit applies to it too; Azure pages carry none', async () => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: newDataDir() }), { logger: silent });
    cleanups.push(() => app.stop());
    const base = `http://127.0.0.1:${await app.start(0)}`;
    const pageToken = async () => {
      const html = await (await fetch(`${base}/`)).text();
      const config = JSON.parse(/<script type="application\/json" id="trialguide-config">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}') as { token?: { token: string; conversationId: string; provider: string } };
      return config.token;
    };
    const first = await pageToken();
    expect(first?.provider).toBe('self-hosted');
    // The page's early script asks our Direct Line to answer "start conversation" with the greeting (?include=activities).
    const started = await fetch(`${base}/v3/directline/conversations?include=activities`, { method: 'POST', headers: { Authorization: `Bearer ${first?.token ?? ''}`, 'Content-Type': 'application/json' }, body: '{"locale":"zh-CN"}' });
    expect(started.status).toBe(201);
    const answer = (await started.json()) as { conversationId: string; activities: Array<{ type: string; text?: string; from: { role?: string } }>; watermark: string };
    expect(answer.conversationId).toBe(first?.conversationId);
    const greeting = answer.activities.filter((activity) => activity.type === 'message' && activity.from.role !== 'user').map((activity) => activity.text);
    expect(greeting[0]).toBe(createTranslator(projectRoot).getFixedT('zh-Hans')('common:welcome.greeting', { siteName: app.config.site.siteName['zh-Hans'] }));
    expect(Number(answer.watermark)).toBeGreaterThanOrEqual(greeting.length);
    // Without asking, the answer is the stock Direct Line one.
    const plain = (await (await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: { Authorization: `Bearer ${first?.token ?? ''}`, 'Content-Type': 'application/json' }, body: '{}' })).json()) as Record<string, unknown>;
    expect(plain.activities).toBeUndefined();
    expect((await pageToken())?.token).not.toBe(first?.token);

    // 20 a minute per address, counted together with POST /api/directline/token: after that the page carries none.
    let carried = 2;
    while ((await pageToken()) !== undefined) carried += 1;
    expect(carried).toBe(20);
    expect((await postToken(base)).status).toBe(429);

    const azure = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: newDataDir(), AZURE_DIRECTLINE_SECRET: 'azure-secret-for-page-token-test' }), { logger: silent });
    cleanups.push(() => azure.stop());
    const azureHtml = await (await fetch(`http://127.0.0.1:${await azure.start(0)}/`)).text();
    expect(azureHtml).not.toContain('"token":');
  }, 60_000);
});

describe('self-hosted tokens, with the real app and its Direct Line endpoint', () => {
  let app: App | undefined;
  afterAll(async () => {
    await app?.stop();
  });

  it('issues a token for a new conversation and a fresh dl_ user, which starts that conversation at /v3/directline (the bot greets)', async () => {
    app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: newDataDir() }), { logger: silent });
    const base = `http://127.0.0.1:${await app.start(0)}`;

    const first = await postToken(base);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const issued = (await first.json()) as { conversationId: string; token: string; expires_in: number; provider: string };
    expect(issued).toMatchObject({ provider: 'self-hosted', expires_in: app.config.env.DIRECTLINE_TOKEN_TTL_SECONDS });
    const claims = jwt.decode(issued.token) as { user: string; conv: string };
    expect(claims.user).toMatch(/^dl_[\w-]{16}$/);
    expect(claims.conv).toBe(issued.conversationId);

    const second = (await (await postToken(base)).json()) as { conversationId: string; token: string };
    expect(second.conversationId).not.toBe(issued.conversationId);
    expect((jwt.decode(second.token) as { user: string }).user).not.toBe(claims.user);

    const started = await fetch(`${base}/v3/directline/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${issued.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ locale: 'zh-CN' }),
    });
    expect(started.status).toBe(201);
    expect(((await started.json()) as { conversationId: string }).conversationId).toBe(issued.conversationId);
    const page = await fetch(`${base}/v3/directline/conversations/${issued.conversationId}/activities`, { headers: { Authorization: `Bearer ${issued.token}` } });
    const { activities } = (await page.json()) as { activities: { type: string; from: { role?: string } }[] };
    expect(activities.some((activity) => activity.type === 'message' && activity.from.role === 'bot')).toBe(true);
  });
});

describe('rate limit per client address', () => {
  it('refuses the request over the limit with 429, Retry-After and the catalogue body, and allows again in the next window', async () => {
    const clock = new TestClock();
    const base = await startTokenServer({}, { rateLimiter: createFixedWindowRateLimiter({ limit: 2, windowMs: 60_000 }) }, clock);
    expect((await postToken(base)).status).toBe(200);
    clock.current = new Date(clock.current.getTime() + 20_000);
    expect((await postToken(base)).status).toBe(200);
    const refused = await postToken(base, { Origin: allowedOrigin });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('40');
    // The page on the hospital's origin must be able to read Retry-After.
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await refused.json()).toEqual({ error: { code: 'too_many_requests', message: expect.any(String) } });
    clock.current = new Date(clock.current.getTime() + 40_000);
    expect((await postToken(base)).status).toBe(200);
  });

  it('behind a trusted proxy counts each visitor by the last X-Forwarded-For entry; otherwise the header is ignored', async () => {
    const limiter = () => createFixedWindowRateLimiter({ limit: 1, windowMs: 60_000 });
    const proxied = await startTokenServer({ TRUST_PROXY: 'true' }, { rateLimiter: limiter() });
    expect((await postToken(proxied, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(200);
    expect((await postToken(proxied, { 'X-Forwarded-For': '203.0.113.8' })).status).toBe(200);
    // A forged first entry does not buy a new budget: the proxy's own (last) entry counts.
    expect((await postToken(proxied, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' })).status).toBe(429);

    const direct = await startTokenServer({}, { rateLimiter: limiter() });
    expect((await postToken(direct, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(200);
    expect((await postToken(direct, { 'X-Forwarded-For': '203.0.113.8' })).status).toBe(429);
  });

  it('counts IPv4-mapped addresses as IPv4 and IPv6 addresses per /64', () => {
    const key = (remoteAddress: string) => clientAddressKey({ socket: { remoteAddress } } as unknown as Request);
    expect(key('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(key('192.0.2.7')).toBe('192.0.2.7');
    expect(key('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(key('2001:db8:1:2::1'));
    expect(key('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(key('2001:db8:1:3::1')).not.toBe(key('2001:db8:1:2::1'));
    expect(key('::1')).toBe('0:0:0:0::/64');
  });

  it('remembers at most maxKeys clients, forgetting the oldest first', () => {
    const limiter = createFixedWindowRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2 });
    const now = new Date();
    expect(limiter.hit('a', now).allowed).toBe(true);
    expect(limiter.hit('a', now).allowed).toBe(false);
    limiter.hit('b', now);
    limiter.hit('c', now);
    // 'a' was evicted to make room, so it starts a fresh window.
    expect(limiter.hit('a', now).allowed).toBe(true);
    expect(limiter.hit('c', now).allowed).toBe(false);
  });
});

describe('CORS for WEB_ALLOWED_ORIGINS', () => {
  it('answers a preflight from an allowed origin with Direct Line\'s headers, and one from another origin without CORS headers', async () => {
    const base = await startTokenServer({});
    const preflight = (origin: string) =>
      fetch(`${base}/api/directline/token`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    const allowed = await preflight(allowedOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('x-ms-bot-agent');
    const other = await preflight('https://elsewhere.example');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    expect((await postToken(base, { Origin: allowedOrigin })).headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect((await postToken(base, { Origin: 'https://elsewhere.example' })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

/** Azure's Direct Line is unreachable from tests: this fake speaks its /tokens/generate protocol on 127.0.0.1. */
async function startFakeAzure(status = 200): Promise<{ url: string; requests: { authorization?: string; body: { user?: { id?: string } } }[] }> {
  const requests: { authorization?: string; body: { user?: { id?: string } } }[] = [];
  const server: HttpServer = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body: JSON.parse(raw || '{}') as { user?: { id?: string } } });
      if (req.method !== 'POST' || req.url !== '/v3/directline/tokens/generate' || status !== 200) {
        res.writeHead(status === 200 ? 404 : status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BadArgument', message: 'no' } }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ conversationId: 'AzureConversation-1', token: 'azure-issued-token', expires_in: 3600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/directline`, requests };
}

describe('with AZURE_DIRECTLINE_SECRET: the token comes from Azure\'s Direct Line', () => {
  const azureSecret = 'azure-directline-secret-for-tests';

  it('exchanges the secret for a token bound to a fresh dl_ user and tells the page to use Azure', async () => {
    const azure = await startFakeAzure();
    const base = await startTokenServer({ AZURE_DIRECTLINE_SECRET: azureSecret }, { azureBaseUrl: azure.url });
    const response = await postToken(base);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ conversationId: 'AzureConversation-1', token: 'azure-issued-token', expires_in: 3600, provider: 'azure' });
    expect(azure.requests).toHaveLength(1);
    expect(azure.requests[0]?.authorization).toBe(`Bearer ${azureSecret}`);
    expect(azure.requests[0]?.body.user?.id).toMatch(/^dl_/);
  });

  it('answers 502 with the catalogue body when Azure refuses, without passing Azure\'s answer on', async () => {
    const azure = await startFakeAzure(403);
    const base = await startTokenServer({ AZURE_DIRECTLINE_SECRET: azureSecret }, { azureBaseUrl: azure.url });
    const response = await postToken(base);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { code: 'bad_gateway', message: expect.any(String) } });
  });
});
