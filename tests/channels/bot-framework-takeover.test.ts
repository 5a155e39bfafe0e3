import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { startRecordingServer } from '../support/http';

/**
 * Issue 8, finding 1: with no MicrosoftAppId, /api/messages trusted any channelId, conversation id, user id
 * and serviceUrl. A "victim" talks to the bot over the self-hosted Direct Line endpoint up to the hand-off
 * read-back; an "attacker" then posts to /api/messages with channelId "directline" and the victim's ids, and a
 * serviceUrl on a local capture server standing in for the attacker's machine.
 */
const directLineSecret = 'takeover-test-directline-secret-0123456789';
const victimPhone = '+86 139 0000 4321';
const victimName = 'Victim Person';

interface DirectLineActivity {
  type: string;
  text?: string;
  from: { id: string; role?: string };
}

/** A minimal Direct Line client (each POST returns after the bot's turn, so the replies are then in the log). */
async function openDirectLine(baseUrl: string): Promise<{ conversationId: string; userId: string; say(text: string): Promise<string[]>; history(): Promise<DirectLineActivity[]> }> {
  const base = `${baseUrl}/v3/directline`;
  const generated = (await (await fetch(`${base}/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${directLineSecret}` } })).json()) as { token: string };
  const started = await fetch(`${base}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${generated.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ locale: 'en-US' }) });
  const { conversationId, token } = (await started.json()) as { conversationId: string; token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let watermark = '';
  let userId = '';
  const page = async (from: string) => {
    const response = await fetch(`${base}/conversations/${conversationId}/activities?watermark=${from}`, { headers });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Direct Line GET activities answered ${response.status}: ${text}`);
    return JSON.parse(text) as { activities: DirectLineActivity[]; watermark: string };
  };
  const read = async () => {
    const next = await page(watermark);
    watermark = next.watermark;
    for (const activity of next.activities) if (activity.from.role === 'user') userId = activity.from.id;
    return next.activities.filter((activity) => activity.type === 'message' && activity.from.role !== 'user').map((activity) => activity.text ?? '');
  };
  await read();
  let sequence = 0;
  const say = async (text: string) => {
    sequence += 1;
    const posted = await fetch(`${base}/conversations/${conversationId}/activities`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'message', text, locale: 'en-US', from: { id: 'ignored' }, channelData: { clientActivityID: `victim-${sequence}` } }),
    });
    expect(posted.status).toBe(200);
    return read();
  };
  return {
    conversationId,
    get userId() {
      return userId;
    },
    say,
    history: async () => (await page('')).activities,
  };
}

/** Talks as the victim up to the read-back of their contact details. */
async function victimAtReadBack(baseUrl: string) {
  const victim = await openDirectLine(baseUrl);
  for (const answer of ['I am the patient', 'talk to a person', 'yes', victimName, victimPhone, 'skip', 'morning']) await victim.say(answer);
  const readBack = (await victim.say('Mandarin')).join('\n');
  expect(readBack).toContain(victimName);
  return victim;
}

type Capture = Awaited<ReturnType<typeof startRecordingServer>>;

async function startApp(env: Record<string, string>, logLines: string[]): Promise<{ app: App; baseUrl: string; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-takeover-'));
  const app = await buildApp(loadConfig({ DATA_DIR: dataDir, DIRECTLINE_SECRET: directLineSecret, ...env }), { logger: createLogger('debug', (line) => logLines.push(line)) });
  return { app, baseUrl: `http://127.0.0.1:${await app.start(0)}`, dataDir };
}

let sequence = 0;
async function postAsAttacker(baseUrl: string, activity: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  sequence += 1;
  const response = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', id: `attack-${sequence}`, recipient: { id: 'trialguide', name: 'TrialGuide' }, locale: 'en-US', timestamp: new Date().toISOString(), ...activity }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const forbidden = { error: { code: 'forbidden', message: 'These credentials do not allow this request.' } };

describe('/api/messages with auth off (default configuration): only the local Emulator is accepted', () => {
  const logLines: string[] = [];
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  let capture: Capture;

  beforeAll(async () => {
    capture = await startRecordingServer(() => ({ status: 200, body: { id: 'captured' } }));
    ({ app, baseUrl, dataDir } = await startApp({}, logLines));
  });
  afterAll(async () => {
    await app?.stop();
    await capture?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a Direct Line conversation cannot be continued through /api/messages: 403, nothing sent, the victim carries on', async () => {
    const victim = await victimAtReadBack(baseUrl);
    const asVictim = { channelId: 'directline', serviceUrl: capture.url, conversation: { id: victim.conversationId }, from: { id: victim.userId, name: '' } };
    for (const text of ['change', 'back', 'yes, send it', 'delete my data']) {
      const answer = await postAsAttacker(baseUrl, { ...asVictim, text });
      expect({ text, ...answer }).toEqual({ text, status: 403, body: forbidden });
    }
    expect(capture.requests).toEqual([]);

    // The victim's dialog is where they left it: confirming files their referral, once.
    const confirmation = (await victim.say('yes')).join('\n');
    const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
    expect(reference).toBeDefined();
    expect((await app.stores.referrals.getByReference(reference ?? ''))?.reference).toBe(reference);
  });

  it('a WeChat openid cannot be addressed through /api/messages either', async () => {
    const answer = await postAsAttacker(baseUrl, { channelId: 'wechat', serviceUrl: capture.url, conversation: { id: 'oVictimOpenId0001' }, from: { id: 'oVictimOpenId0001' }, text: 'delete my data' });
    expect(answer).toEqual({ status: 403, body: forbidden });
    expect(capture.requests).toEqual([]);
  });

  it.each([
    ['0.0.0.0 (reaches this host, yet is not a loopback name)', (port: string) => `http://0.0.0.0:${port}`],
    ['a private address', () => 'http://10.0.0.7:3978'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/'],
    ['a public host', () => 'https://attacker.example'],
    ['a non-HTTP scheme', (port: string) => `file://127.0.0.1:${port}/etc/passwd`],
    ['no serviceUrl at all', () => undefined],
  ])('an Emulator activity whose serviceUrl is %s gets 403 and the bot POSTs nothing', async (_name, serviceUrlFor) => {
    const port = new URL(capture.url).port;
    const answer = await postAsAttacker(baseUrl, { channelId: 'emulator', serviceUrl: serviceUrlFor(port), conversation: { id: 'ssrf-probe' }, from: { id: 'ssrf-user' }, type: 'conversationUpdate', membersAdded: [{ id: 'ssrf-user' }] });
    expect(answer).toEqual({ status: 403, body: forbidden });
    expect(capture.requests).toEqual([]);
  });

  it('the real Emulator (channelId emulator, loopback serviceUrl, local client) is still answered', async () => {
    const answer = await postAsAttacker(baseUrl, { channelId: 'emulator', serviceUrl: capture.url.replace('127.0.0.1', 'localhost'), conversation: { id: 'emulator-ok' }, from: { id: 'emulator-user' }, type: 'conversationUpdate', membersAdded: [{ id: 'emulator-user' }] });
    expect(answer.status).toBe(200);
    expect(capture.requests.length).toBeGreaterThan(0);
    expect(capture.requests.every((request) => request.url.startsWith('/v3/conversations/emulator-ok/activities'))).toBe(true);
    capture.requests.splice(0);
  });

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', 'type=message&channelId=emulator&text=hi'],
    ['conversation: null', 'application/json', JSON.stringify({ type: 'message', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', conversation: null, from: { id: 'u' }, text: 'hi' })],
    ['conversation without an id', 'application/json', JSON.stringify({ type: 'message', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', conversation: {}, from: { id: 'u' }, text: 'hi' })],
    ['no type', 'application/json', JSON.stringify({ channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', conversation: { id: 'c' }, from: { id: 'u' } })],
    ['a string', 'application/json', JSON.stringify('message')],
  ])('a %s body gets 400 with the catalogue body, not 500', async (_name, contentType, body) => {
    const response = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'bad_request', message: 'The request could not be read. Check that it is valid JSON of the expected shape.' } });
  });

  it('rejected requests are logged with their error code, at warn, without the ids or the text', () => {
    const rejections = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'bot framework request rejected');
    expect(rejections.length).toBeGreaterThan(0);
    for (const entry of rejections) {
      expect(entry.level).toBe('warn');
      expect(['forbidden', 'bad_request']).toContain(entry.code);
    }
    const text = logLines.join('\n');
    expect(text).not.toContain('oVictimOpenId0001');
    expect(text).not.toContain(victimPhone.replace(/ /g, ''));
    expect(text).not.toContain(victimName);
  });
});

describe('/api/messages with ALLOW_UNAUTHENTICATED_CHANNELS=true (unsafe opt-in): still never another ingress\'s conversation', () => {
  const logLines: string[] = [];
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  let capture: Capture;

  beforeAll(async () => {
    capture = await startRecordingServer(() => ({ status: 200, body: { id: 'captured' } }));
    ({ app, baseUrl, dataDir } = await startApp({ ALLOW_UNAUTHENTICATED_CHANNELS: 'true' }, logLines));
  });
  afterAll(async () => {
    await app?.stop();
    await capture?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the same channelId and ids reach a separate conversation: no read-back, no erasure of the victim\'s data', async () => {
    const victim = await victimAtReadBack(baseUrl);
    const historyBefore = (await victim.history()).length;
    const asVictim = { channelId: 'directline', serviceUrl: capture.url, conversation: { id: victim.conversationId }, from: { id: victim.userId, name: '' } };
    for (const text of ['change', 'back', 'yes, send it']) expect((await postAsAttacker(baseUrl, { ...asVictim, text })).status).toBe(200);
    const sent = capture.requests.map((request) => request.body).join('\n');
    expect(capture.requests.length).toBeGreaterThan(0);
    expect(sent).not.toContain(victimName);
    expect(sent).not.toContain('0000 4321');
    expect(sent).not.toMatch(/TG-[2-9A-HJKMNP-Z]{5}/);
    // Two separate states: the victim's under the Direct Line ingress, the attacker's under the Bot Framework one.
    const victimKey = `directline/conversations/${victim.conversationId}/`;
    const attackerKey = `bot-framework:directline/conversations/${victim.conversationId}/`;
    expect(Object.keys(await app.stores.botState.read([victimKey, attackerKey])).sort()).toEqual([attackerKey, victimKey]);

    // "Delete my data" from the attacker's side erases the attacker's namespace only.
    for (const text of ['delete my data', 'yes']) expect((await postAsAttacker(baseUrl, { ...asVictim, text })).status).toBe(200);
    expect((await victim.history()).length).toBeGreaterThanOrEqual(historyBefore);

    const confirmation = (await victim.say('yes')).join('\n');
    const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
    expect(reference).toBeDefined();
    expect((await app.stores.referrals.getByReference(reference ?? ''))?.reference).toBe(reference);
  });
});

describe('/api/messages with auth off behind the hospital proxy (TRUST_PROXY=true)', () => {
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  let capture: Capture;

  beforeAll(async () => {
    capture = await startRecordingServer(() => ({ status: 200, body: { id: 'captured' } }));
    ({ app, baseUrl, dataDir } = await startApp({ TRUST_PROXY: 'true' }, []));
  });
  afterAll(async () => {
    await app?.stop();
    await capture?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an "Emulator" activity relayed for a remote client is refused: a loopback serviceUrl would reach this machine\'s own ports', async () => {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ type: 'conversationUpdate', channelId: 'emulator', serviceUrl: capture.url, conversation: { id: 'relayed' }, from: { id: 'relayed-user' }, recipient: { id: 'bot' }, membersAdded: [{ id: 'relayed-user' }] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(forbidden);
    expect(capture.requests).toEqual([]);
  });
});
