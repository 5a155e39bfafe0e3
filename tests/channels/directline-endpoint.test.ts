import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import jwt from 'jsonwebtoken';
import type { Server } from 'restify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerDirectLineRoutes, type DirectLineEndpoint } from '../../src/channels/web/directline/directline-routes';
import type { ChannelDependencies } from '../../src/channels/channel-dependencies';
import { type AppConfig, loadConfig } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { directLineSecretFileName, issueDirectLineToken, resolveDirectLineSecret } from '../../src/security/directline-token';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';

const secret = 'test-directline-secret-0123456789abcdef';
const allowedOrigin = 'https://hospital.example';
const silent = createLogger('silent');
const dataDirs: string[] = [];

interface Activity {
  id?: string;
  type: string;
  text?: string;
  from: { id: string; role?: string };
  replyToId?: string;
  locale?: string;
  channelId?: string;
  channelData?: { clientActivityID?: string };
}

/**
 * A test clock: tests move it forward to expire tokens. It starts at the real time because the store's
 * `setIfAbsent` judges expiry by the wall clock.
 */
class TestClock {
  current = new Date();
  now(): Date {
    return new Date(this.current);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** A tiny bot: greets on join (in the join locale), answers "fail" with an error and anything else with an echo. */
async function echoBot(context: TurnContext): Promise<void> {
  const { activity } = context;
  if (activity.type === 'conversationUpdate') {
    for (const member of activity.membersAdded ?? []) {
      if (member.id !== activity.recipient.id) await context.sendActivity(`welcome (${activity.locale ?? 'no locale'})`);
    }
    return;
  }
  if (activity.type !== 'message') return;
  if (activity.text === 'fail') throw new Error('the bot broke');
  await context.sendActivity({ type: ActivityTypes.Typing });
  await context.sendActivity(`echo: ${activity.text ?? ''}`);
}

interface Harness {
  server: Server;
  endpoint: DirectLineEndpoint;
  stores: Stores;
  config: AppConfig;
  clock: TestClock;
  base: string;
  port: number;
}

function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-directline-'));
  dataDirs.push(dir);
  return dir;
}

async function startHarness(env: Record<string, string>, clock = new TestClock()): Promise<Harness> {
  const config = loadConfig({ LOG_LEVEL: 'silent', WEB_ALLOWED_ORIGINS: allowedOrigin, ...env });
  const stores = await createStores(config, silent);
  const server = createHttpServer({ config, logger: silent });
  const deps: ChannelDependencies = { config, logger: silent, stores, clock, prepareAdapter: () => undefined, botLogic: echoBot };
  const endpoint = registerDirectLineRoutes(server, deps);
  const port = await listen(server, 0, '127.0.0.1');
  return { server, endpoint, stores, config, clock, port, base: `http://127.0.0.1:${port}/v3/directline` };
}

async function stopHarness(harness: Harness): Promise<void> {
  harness.endpoint.close();
  await close(harness.server);
  await harness.stores.close();
}

async function call(url: string, init: { method?: string; auth?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth) headers.Authorization = `Bearer ${init.auth}`;
  if (init.body !== undefined || init.rawBody !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

async function generateToken(harness: Harness, userId?: string) {
  const result = await call(`${harness.base}/tokens/generate`, { method: 'POST', auth: secret, body: userId ? { user: { id: userId } } : {} });
  expect(result.status).toBe(200);
  return result.body as { conversationId: string; token: string; expires_in: number };
}

async function startConversation(harness: Harness, body: unknown = { locale: 'zh-CN' }) {
  const generated = await generateToken(harness);
  const started = await call(`${harness.base}/conversations`, { method: 'POST', auth: generated.token, body });
  expect(started.status).toBe(201);
  return { ...generated, streamUrl: started.body.streamUrl as string };
}

async function activitiesSince(harness: Harness, conversationId: string, token: string, watermark = '') {
  const result = await call(`${harness.base}/conversations/${conversationId}/activities?watermark=${watermark}`, { auth: token });
  expect(result.status).toBe(200);
  return result.body as { activities: Activity[]; watermark: string };
}

async function post(harness: Harness, conversationId: string, token: string, activity: unknown) {
  return call(`${harness.base}/conversations/${conversationId}/activities`, { method: 'POST', auth: token, body: activity });
}

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('Direct Line endpoint over raw HTTP', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness({ DATA_DIR: newDataDir(), DIRECTLINE_SECRET: secret });
  });
  afterEach(async () => {
    await stopHarness(harness);
  });

  it('issues tokens bound to one conversation and one user, only for the secret', async () => {
    const generated = await generateToken(harness, 'dl_patient-1');
    expect(generated.expires_in).toBe(1800);
    const claims = jwt.decode(generated.token) as Record<string, unknown>;
    expect(claims.user).toBe('dl_patient-1');
    expect(claims.conv).toBe(generated.conversationId);

    expect((await call(`${harness.base}/tokens/generate`, { method: 'POST' })).status).toBe(401);
    const wrongSecret = await call(`${harness.base}/tokens/generate`, { method: 'POST', auth: 'not-the-secret-but-long-enough' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error?.code).toBe('unauthorized');
    expect((await call(`${harness.base}/tokens/generate`, { method: 'POST', auth: generated.token })).status).toBe(403);
    const badUser = await call(`${harness.base}/tokens/generate`, { method: 'POST', auth: secret, body: { user: { id: 'has spaces and @' } } });
    expect(badUser.status).toBe(400);
  });

  it('starts a conversation once: 201 with a greeting, then 200 without a second one', async () => {
    const { conversationId, token, streamUrl } = await startConversation(harness);
    expect(streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${harness.port}/v3/directline/conversations/${conversationId}/stream\\?t=`));

    const again = await call(`${harness.base}/conversations`, { method: 'POST', auth: token, body: {} });
    expect(again.status).toBe(200);
    expect(again.body.conversationId).toBe(conversationId);
    expect(again.body.token).toBe(token);

    const { activities, watermark } = await activitiesSince(harness, conversationId, token);
    expect(activities.map((activity) => activity.text)).toEqual(['welcome (zh-CN)']);
    expect(activities[0]?.from.role).toBe('bot');
    expect(activities[0]?.channelId).toBe('directline');
    expect(typeof watermark).toBe('string');
  });

  it('a secret holder can start a conversation for a named user', async () => {
    const started = await call(`${harness.base}/conversations`, { method: 'POST', auth: secret, body: { user: { id: 'dl_kiosk' } } });
    expect(started.status).toBe(201);
    expect((jwt.decode(started.body.token as string) as { user: string }).user).toBe('dl_kiosk');
  });

  it('echoes the user activity with an id, the client activity id, the token user and the locale, then replies', async () => {
    const { conversationId, token } = await startConversation(harness);
    const { watermark } = await activitiesSince(harness, conversationId, token);
    const tokenUser = (jwt.decode(token) as { user: string }).user;

    const posted = await post(harness, conversationId, token, {
      type: 'message',
      text: '你好',
      locale: 'zh-CN',
      from: { id: 'someone-else', name: 'Mallory' },
      channelData: { clientActivityID: 'client-1' },
    });
    expect(posted.status).toBe(200);
    const { activities } = await activitiesSince(harness, conversationId, token, watermark);
    expect(activities).toHaveLength(2);
    const [echo, reply] = activities;
    expect(echo).toMatchObject({ id: posted.body.id, type: 'message', text: '你好', locale: 'zh-CN', from: { id: tokenUser, role: 'user' }, channelData: { clientActivityID: 'client-1' } });
    expect(JSON.stringify(echo)).not.toContain('Mallory');
    expect(reply).toMatchObject({ type: 'message', text: 'echo: 你好', replyToId: posted.body.id, from: { role: 'bot' } });
    // Typing goes over the WebSocket only.
    expect(activities.some((activity) => activity.type === 'typing')).toBe(false);
  });

  it('pages by watermark', async () => {
    const { conversationId, token } = await startConversation(harness);
    await post(harness, conversationId, token, { type: 'message', text: 'one' });
    const first = await activitiesSince(harness, conversationId, token);
    expect(first.activities.map((activity) => activity.text)).toEqual(['welcome (zh-CN)', 'one', 'echo: one']);

    const empty = await activitiesSince(harness, conversationId, token, first.watermark);
    expect(empty).toEqual({ activities: [], watermark: first.watermark });

    await post(harness, conversationId, token, { type: 'message', text: 'two' });
    const next = await activitiesSince(harness, conversationId, token, first.watermark);
    expect(next.activities.map((activity) => activity.text)).toEqual(['two', 'echo: two']);
    expect(next.watermark).not.toBe(first.watermark);

    const bad = await call(`${harness.base}/conversations/${conversationId}/activities?watermark=abc`, { auth: token });
    expect(bad.status).toBe(400);
  });

  it('refuses a token of another conversation with 403 and an unknown conversation with 404', async () => {
    const a = await startConversation(harness);
    const b = await startConversation(harness);
    const forbidden = [
      await call(`${harness.base}/conversations/${b.conversationId}/activities`, { auth: a.token }),
      await post(harness, b.conversationId, a.token, { type: 'message', text: 'hi' }),
      await call(`${harness.base}/conversations/${b.conversationId}`, { auth: a.token }),
    ];
    expect(forbidden.map((result) => result.status)).toEqual([403, 403, 403]);
    expect(forbidden[0]?.body.error?.code).toBe('forbidden');
    // Nothing reached conversation B.
    expect((await activitiesSince(harness, b.conversationId, b.token)).activities).toHaveLength(1);

    const unknown = await call(`${harness.base}/conversations/unknownConversation123/activities`, { auth: secret });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('not_found');
    // A valid token whose conversation was never started.
    const notStarted = await generateToken(harness);
    expect((await call(`${harness.base}/conversations/${notStarted.conversationId}/activities`, { auth: notStarted.token })).status).toBe(404);
  });

  it('answers 401 without credentials and 403 TokenExpired for an expired token; refresh extends a live one', async () => {
    const { conversationId, token } = await startConversation(harness);
    const noAuth = await call(`${harness.base}/conversations/${conversationId}/activities`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.error?.code).toBe('unauthorized');
    expect((await call(`${harness.base}/conversations/${conversationId}/activities`, { auth: 'garbage.token.value' })).status).toBe(401);

    harness.clock.advanceSeconds(1000);
    const refreshed = await call(`${harness.base}/tokens/refresh`, { method: 'POST', auth: token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.conversationId).toBe(conversationId);
    const newToken = refreshed.body.token as string;

    harness.clock.advanceSeconds(1000);
    for (const attempt of [
      await call(`${harness.base}/conversations/${conversationId}/activities`, { auth: token }),
      await post(harness, conversationId, token, { type: 'message', text: 'late' }),
      await call(`${harness.base}/tokens/refresh`, { method: 'POST', auth: token }),
    ]) {
      expect(attempt.status).toBe(403);
      expect(attempt.body.error?.code).toBe('TokenExpired');
    }
    expect((await activitiesSince(harness, conversationId, newToken)).activities).toHaveLength(1);
  });

  it('rejects malformed JSON, a bad activity shape and an over-long message with 400', async () => {
    const { conversationId, token } = await startConversation(harness);
    const url = `${harness.base}/conversations/${conversationId}/activities`;
    const malformed = await call(url, { method: 'POST', auth: token, rawBody: '{"type": "message", "text": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('bad_request');

    const badShape = await post(harness, conversationId, token, { type: 'launchMissiles', text: 'hi' });
    expect(badShape.status).toBe(400);

    const tooLong = await post(harness, conversationId, token, { type: 'message', text: 'a'.repeat(4001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.message).toMatch(/too long/);
    expect((await post(harness, conversationId, token, { type: 'message', text: 'a'.repeat(4000) })).status).toBe(200);
  });

  it('answers 502 BotError when the bot fails, after echoing the message', async () => {
    const { conversationId, token } = await startConversation(harness);
    const failed = await post(harness, conversationId, token, { type: 'message', text: 'fail' });
    expect(failed.status).toBe(502);
    expect(failed.body.error?.code).toBe('BotError');
    const { activities } = await activitiesSince(harness, conversationId, token);
    expect(activities.map((activity) => activity.text)).toEqual(['welcome (zh-CN)', 'fail']);
  });

  it('gives reconnect information with a fresh stream URL', async () => {
    const { conversationId, token, streamUrl } = await startConversation(harness);
    harness.clock.advanceSeconds(5);
    const reconnect = await call(`${harness.base}/conversations/${conversationId}?watermark=1`, { auth: token });
    expect(reconnect.status).toBe(200);
    expect(reconnect.body).toMatchObject({ conversationId, token });
    expect(reconnect.body.streamUrl).not.toBe(streamUrl);
    expect(reconnect.body.streamUrl).toContain('watermark=1');
  });

  it('answers CORS preflights for allowed origins only, allowing Direct Line headers', async () => {
    const preflight = await call(`${harness.base}/conversations`, {
      method: 'OPTIONS',
      headers: { Origin: allowedOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-ms-bot-agent' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-ms-bot-agent');

    const stranger = await call(`${harness.base}/conversations`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    const generated = await call(`${harness.base}/tokens/generate`, { method: 'POST', auth: secret, headers: { Origin: allowedOrigin } });
    expect(generated.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(generated.headers.get('cache-control')).toBe('no-store');
  });

  it('sends proactive messages through continueConversation', async () => {
    const { conversationId, token } = await startConversation(harness);
    const [greeting] = (await activitiesSince(harness, conversationId, token)).activities;
    await harness.endpoint.adapter.continueConversation(
      { channelId: 'directline', conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' }, bot: harness.endpoint.adapter.bot, user: { id: greeting?.from.id ?? '', name: '' } },
      async (context) => {
        await context.sendActivity('a coordinator will call you');
      },
    );
    const texts = (await activitiesSince(harness, conversationId, token)).activities.map((activity) => activity.text);
    expect(texts).toEqual(['welcome (zh-CN)', 'a coordinator will call you']);
  });

  it('erases a conversation: its history is gone and its token finds nothing', async () => {
    const { conversationId, token } = await startConversation(harness);
    await post(harness, conversationId, token, { type: 'message', text: 'my number is 0912 345 678' });
    await harness.endpoint.eraseConversation(conversationId);
    expect((await call(`${harness.base}/conversations/${conversationId}/activities`, { auth: token })).status).toBe(404);
    expect((await harness.stores.conversationLogs.since(conversationId, 0)).activities).toEqual([]);
  });
});

describe('Direct Line WebSocket stream', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness({ DATA_DIR: newDataDir(), DIRECTLINE_SECRET: secret });
  });
  afterEach(async () => {
    await stopHarness(harness);
  });

  /** Collects frames; resolves `waitFor` once a predicate holds over everything received so far. */
  function openStream(url: string) {
    const socket = new WebSocket(url);
    const frames: string[] = [];
    const waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
    socket.on('message', (data) => {
      frames.push((Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8'));
      for (const waiter of [...waiters]) {
        if (waiter.check()) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
    const activities = (): Activity[] => frames.filter(Boolean).flatMap((frame) => (JSON.parse(frame) as { activities: Activity[] }).activities);
    return {
      socket,
      frames,
      activities,
      opened: new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
      waitFor: (check: (received: Activity[]) => boolean) =>
        new Promise<void>((resolve, reject) => {
          if (check(activities())) return resolve();
          const timer = setTimeout(() => reject(new Error(`stream frames so far: ${JSON.stringify(frames)}`)), 5000);
          waiters.push({
            check: () => check(activities()),
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        }),
    };
  }

  function refusal(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => reject(new Error('the stream accepted a bad credential')));
      socket.once('error', () => undefined);
    });
  }

  it('streams the greeting, the echo, typing and the reply as activity sets', async () => {
    const { conversationId, token, streamUrl } = await startConversation(harness);
    const stream = openStream(streamUrl);
    await stream.opened;
    await stream.waitFor((received) => received.length >= 1);
    expect(stream.activities()[0]?.text).toBe('welcome (zh-CN)');

    await post(harness, conversationId, token, { type: 'message', text: 'hello', channelData: { clientActivityID: 'c-7' } });
    await stream.waitFor((received) => received.some((activity) => activity.text === 'echo: hello'));
    expect(stream.activities().map((activity) => activity.type === 'typing' ? 'typing' : activity.text)).toEqual(['welcome (zh-CN)', 'hello', 'typing', 'echo: hello']);
    expect(stream.activities()[1]?.channelData?.clientActivityID).toBe('c-7');
    const lastFrame = JSON.parse(stream.frames[stream.frames.length - 1] ?? '{}') as { watermark?: string };
    expect(lastFrame.watermark).toBe((await activitiesSince(harness, conversationId, token)).watermark);
    stream.socket.close();
  });

  it('resumes a stream from the watermark in the URL', async () => {
    const { conversationId, token } = await startConversation(harness);
    await post(harness, conversationId, token, { type: 'message', text: 'before' });
    const { watermark } = await activitiesSince(harness, conversationId, token);
    await post(harness, conversationId, token, { type: 'message', text: 'after' });
    const reconnect = await call(`${harness.base}/conversations/${conversationId}?watermark=${watermark}`, { auth: token });
    const stream = openStream(reconnect.body.streamUrl as string);
    await stream.waitFor((received) => received.length >= 2);
    expect(stream.activities().map((activity) => activity.text)).toEqual(['after', 'echo: after']);
    stream.socket.close();
  });

  it('refuses bad, foreign and expired stream credentials', async () => {
    const a = await startConversation(harness);
    const b = await startConversation(harness);
    const streamPath = (conversationId: string) => `ws://127.0.0.1:${harness.port}/v3/directline/conversations/${conversationId}/stream`;
    expect(await refusal(`${streamPath(a.conversationId)}?t=forged`)).toBe(401);
    expect(await refusal(streamPath(a.conversationId))).toBe(401);
    // A conversation token is not a stream credential.
    expect(await refusal(`${streamPath(a.conversationId)}?t=${a.token}`)).toBe(401);
    const credentialOfA = new URL(a.streamUrl).searchParams.get('t') ?? '';
    expect(await refusal(`${streamPath(b.conversationId)}?t=${credentialOfA}`)).toBe(403);
    harness.clock.advanceSeconds(121);
    expect(await refusal(a.streamUrl)).toBe(403);
  });
});

describe('Direct Line across a restart', () => {
  it('keeps its generated secret in DATA_DIR and serves the history from a watermark after a restart', async () => {
    const dataDir = newDataDir();
    const clock = new TestClock();
    const first = await startHarness({ DATA_DIR: dataDir }, clock);
    const generatedSecret = resolveDirectLineSecret(first.config, silent);
    expect(statSync(path.join(dataDir, directLineSecretFileName)).mode & 0o777).toBe(0o600);

    const issued = issueDirectLineToken({ secret: generatedSecret, ttlSeconds: 1800, now: clock.now() });
    expect((await call(`${first.base}/conversations`, { method: 'POST', auth: issued.token, body: {} })).status).toBe(201);
    await post(first, issued.conversationId, issued.token, { type: 'message', text: 'first life' });
    const { watermark } = await activitiesSince(first, issued.conversationId, issued.token);
    await post(first, issued.conversationId, issued.token, { type: 'message', text: 'still first life' });
    await stopHarness(first);

    const second = await startHarness({ DATA_DIR: dataDir }, clock);
    try {
      expect(resolveDirectLineSecret(second.config, silent)).toBe(generatedSecret);
      const resumed = await activitiesSince(second, issued.conversationId, issued.token, watermark);
      expect(resumed.activities.map((activity) => activity.text)).toEqual(['still first life', 'echo: still first life']);
      const again = await call(`${second.base}/conversations`, { method: 'POST', auth: issued.token, body: {} });
      expect(again.status).toBe(200);
    } finally {
      await stopHarness(second);
    }
  });
});
