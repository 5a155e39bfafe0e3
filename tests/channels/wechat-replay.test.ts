import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnContext } from 'botbuilder';
import { type App, buildApp } from '../../src/app';
import { registerWeChatRoutes } from '../../src/channels/wechat/wechat-routes';
import type { Clock } from '../../src/clock';
import { parseWeChatXml } from '../../src/channels/wechat/xml';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator, translatorFor } from '../../src/i18n/translator';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { epochSeconds, fixtureXml, plaintextPost, safeModePost, send, signedQuery, type SigningOptions, type WeChatAccount, type WeChatPost } from '../fixtures/wechat/wechat-requests';
import { dropSchemas } from '../support/postgres-schema';

/**
 * Issue 8, finding 2: WeChat signatures must expire and be single-use, and safe mode must accept only
 * encrypted, msg_signature-checked pushes. Through the real app (buildApp: real bot, dialogs, storage) with
 * the app's clock injected; plus the fault-suite case "the same WeChat message delivered three times".
 */

const account: Required<WeChatAccount> = { token: 'replay-test-token', appId: 'wxreplaytest000001', encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq' };
const t = translatorFor(createTranslator(projectRoot), 'zh-Hans');
const referencePattern = /TG-[2-9A-HJKMNP-Z]{5}/;
const day = 24 * 60 * 60 * 1000;

/** The app's clock: the wall clock shifted by `offsetMs` (the key-value store judges expiry by the wall clock). */
function testClock(): Clock & { offsetMs: number } {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  return clock;
}

let counter = 0;
const uniqueOpenId = (label: string) => `o${label}${process.pid}x${(counter += 1)}`;
const uniqueMsgId = () => `${8_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt((counter += 1))}`;

function textXml(openId: string, content: string, clock: Clock, msgId = uniqueMsgId()): string {
  return fixtureXml('text-message.xml', { openId, content, msgId, createTime: epochSeconds(clock.now()) });
}

function eventXml(openId: string, event: string, clock: Clock): string {
  // Events are de-duplicated by sender + CreateTime: each one of ours gets its own second.
  return fixtureXml('event.xml', { openId, event, eventKey: '', createTime: String(Number(epochSeconds(clock.now())) + (counter += 1)) });
}

/** The passive reply's text ('success' stays 'success'; an error body stays as it is). */
function replyText(body: string): string {
  if (!body.startsWith('<xml>')) return body;
  return parseWeChatXml(body).Content ?? '';
}

async function wechatApp(dataDir: string, clock: Clock, env: Record<string, string> = {}): Promise<{ app: App; baseUrl: string }> {
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    MicrosoftAppType: 'MultiTenant',
    WECHAT_TOKEN: account.token,
    WECHAT_MENU_LANGUAGE: 'zh-Hans',
    ...env,
  });
  const app = await buildApp(config, { logger: createLogger('silent'), clock });
  return { app, baseUrl: `http://127.0.0.1:${await app.start(0)}` };
}

/** A person who asked to be called: walks the real hand-off dialog over WeChat (plaintext) and returns the reference. */
async function fileReferral(baseUrl: string, openId: string, clock: Clock, lastMessage?: (xml: string) => Promise<string>): Promise<string> {
  const say = async (text: string): Promise<string> => {
    const response = await send(baseUrl, plaintextPost(account, textXml(openId, text, clock), { timestamp: epochSeconds(clock.now()) }));
    expect(response.status, text).toBe(200);
    return replyText(response.body);
  };
  // The first message starts the hand-off at once; who is asking is asked after consent, numbered ("1": the patient).
  expect(await say('转人工')).toContain(t('handoff:consent.question'));
  expect(await say('同意')).toContain(t('handoff:ask.relationship'));
  expect(await say('1')).toContain(t('handoff:ask.name'));
  expect(await say('王先生')).toContain(t('handoff:ask.phone'));
  expect(await say('13912345678')).toContain(t('handoff:ask.email'));
  expect(await say('跳过')).toContain(t('handoff:ask.bestTime'));
  expect(await say('上午')).toContain(t('handoff:ask.language'));
  expect(await say('普通话')).toContain(t('handoff:review.question'));
  const confirmation = lastMessage ? await lastMessage(textXml(openId, '发送', clock)) : await say('发送');
  const reference = referencePattern.exec(confirmation)?.[0];
  expect(reference, confirmation).toBeDefined();
  return reference ?? '';
}

describe('WeChat signatures in plaintext mode: a window, single-use nonces (SQLite)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-replay-'));
  const clock = testClock();
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    ({ app, baseUrl } = await wechatApp(dataDir, clock));
  });

  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const stillThere = async (reference: string) => (await app.stores.referrals.getByReference(reference))?.reference;

  it('answers a fresh, correctly signed request, also with a minute of clock skew either way', async () => {
    for (const skewSeconds of [0, -60, 60]) {
      const openId = uniqueOpenId('Fresh');
      const timestamp = String(Number(epochSeconds(clock.now())) + skewSeconds);
      const response = await send(baseUrl, plaintextPost(account, textXml(openId, '菜单', clock), { timestamp }));
      expect(response.status, `skew ${skewSeconds}s`).toBe(200);
      expect(replyText(response.body), `skew ${skewSeconds}s`).toContain(t('common:menu.prompt'));
    }
  });

  it('refuses a 400-day-old signed unsubscribe for a victim (401, catalogue body), and the victim\'s referral survives', async () => {
    const victim = uniqueOpenId('Victim');
    const reference = await fileReferral(baseUrl, victim, clock);

    const old = plaintextPost(account, eventXml(victim, 'unsubscribe', clock), { timestamp: epochSeconds(new Date(clock.now().getTime() - 400 * day)) });
    const response = await send(baseUrl, old);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await stillThere(reference)).toBe(reference);

    // The same body freshly signed does erase: the refused request would have.
    expect((await send(baseUrl, plaintextPost(account, eventXml(victim, 'unsubscribe', clock), { timestamp: epochSeconds(clock.now()) }))).status).toBe(200);
    expect(await stillThere(reference)).toBeUndefined();
  });

  it('refuses timestamps just outside the five-minute window, in the past and in the future', async () => {
    const openId = uniqueOpenId('Window');
    for (const skewSeconds of [-6 * 60, 6 * 60, -301, 301]) {
      const timestamp = String(Number(epochSeconds(clock.now())) + skewSeconds);
      const response = await send(baseUrl, plaintextPost(account, textXml(openId, '菜单', clock), { timestamp }));
      expect(response.status, `skew ${skewSeconds}s`).toBe(401);
    }
    // The app's clock decides, not the machine's: move it and an hour-old request is inside the window.
    const anHourAgo = epochSeconds(new Date(clock.now().getTime() - 60 * 60 * 1000));
    expect((await send(baseUrl, plaintextPost(account, textXml(openId, '菜单', clock), { timestamp: anHourAgo }))).status).toBe(401);
    clock.offsetMs -= 60 * 60 * 1000;
    try {
      expect((await send(baseUrl, plaintextPost(account, textXml(openId, '菜单', clock), { timestamp: anHourAgo }))).status).toBe(200);
    } finally {
      clock.offsetMs += 60 * 60 * 1000;
    }
  });

  it('refuses a seen nonce with another body: a captured signature cannot unsubscribe a victim', async () => {
    const victim = uniqueOpenId('Victim');
    let captured: URLSearchParams | undefined;
    const reference = await fileReferral(baseUrl, victim, clock, async (xml) => {
      // The victim's last message; its URL (signature, timestamp, nonce) ends up in a proxy log.
      const post = plaintextPost(account, xml, { timestamp: epochSeconds(clock.now()) });
      captured = post.query;
      return replyText((await send(baseUrl, post)).body);
    });
    expect(captured).toBeDefined();

    const forged: WeChatPost = { query: new URLSearchParams(captured), body: eventXml(victim, 'unsubscribe', clock) };
    const response = await send(baseUrl, forged);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await stillThere(reference)).toBe(reference);
    // Any other body is refused too, also a message for the attacker's own OpenID.
    expect((await send(baseUrl, { query: new URLSearchParams(captured), body: textXml(uniqueOpenId('Attacker'), '菜单', clock) })).status).toBe(401);
    expect(await stillThere(reference)).toBe(reference);
  });

  it('does not let a URL-verification signature be reused for a POST', async () => {
    const victim = uniqueOpenId('Victim');
    const reference = await fileReferral(baseUrl, victim, clock);
    const verification = signedQuery(account, { echostr: '4242' }, { timestamp: epochSeconds(clock.now()) });
    const ok = await fetch(`${baseUrl}/api/wechat?${verification.toString()}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('4242');

    const query = new URLSearchParams(verification);
    query.delete('echostr');
    expect((await send(baseUrl, { query, body: eventXml(victim, 'unsubscribe', clock) })).status).toBe(401);
    expect(await stillThere(reference)).toBe(reference);
  });

  it('refuses a URL verification with an expired timestamp', async () => {
    const stale = signedQuery(account, { echostr: '4243' }, { timestamp: epochSeconds(new Date(clock.now().getTime() - 400 * day)) });
    const response = await fetch(`${baseUrl}/api/wechat?${stale.toString()}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('the same message delivered three times as WeChat retries it (identical request) files one referral', async () => {
    const openId = uniqueOpenId('Retry');
    const answers: string[] = [];
    const reference = await fileReferral(baseUrl, openId, clock, async (xml) => {
      const post = plaintextPost(account, xml, { timestamp: epochSeconds(clock.now()) });
      // Two at once (WeChat gave up waiting while the first was still running), then a third.
      const firstTwo = await Promise.all([send(baseUrl, post), send(baseUrl, post)]);
      const third = await send(baseUrl, post);
      for (const response of [...firstTwo, third]) {
        expect(response.status).toBe(200);
        answers.push(replyText(response.body));
      }
      return answers.find((answer) => referencePattern.test(answer)) ?? '';
    });
    // Every delivery gets the one confirmation (or 'success' if another delivery owns the answer).
    expect(answers).toHaveLength(3);
    for (const answer of answers) expect(answer === 'success' || answer.includes(reference), answer).toBe(true);
    await expectOneReferral(app, reference);
  });

  it('the same message delivered three times with fresh signatures files one referral', async () => {
    const openId = uniqueOpenId('Redeliver');
    const answers: string[] = [];
    const reference = await fileReferral(baseUrl, openId, clock, async (xml) => {
      const post = () => plaintextPost(account, xml, { timestamp: epochSeconds(clock.now()) });
      const responses = [...(await Promise.all([send(baseUrl, post()), send(baseUrl, post())])), await send(baseUrl, post())];
      for (const response of responses) {
        expect(response.status).toBe(200);
        answers.push(replyText(response.body));
      }
      return answers.find((answer) => referencePattern.test(answer)) ?? '';
    });
    for (const answer of answers) expect(answer === 'success' || answer.includes(reference), answer).toBe(true);
    await expectOneReferral(app, reference);
  });
});

/** The person has exactly one referral, the one with `reference`: the confirming turn ran once. */
async function expectOneReferral(app: App, reference: string): Promise<void> {
  const filed = await app.stores.referrals.getByReference(reference);
  expect(filed).toBeDefined();
  const page = await app.stores.referrals.list({ limit: 100 });
  expect(page.items.filter((item) => item.conversationKey === filed?.conversationKey).map((item) => item.reference)).toEqual([reference]);
}

describe('WeChat safe mode accepts only encrypted pushes with a valid msg_signature', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-safe-'));
  const clock = testClock();
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    ({ app, baseUrl } = await wechatApp(dataDir, clock, { WECHAT_APP_ID: account.appId, WECHAT_ENCODING_AES_KEY: account.encodingAesKey }));
  });

  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a correctly signed plaintext POST (401, no answer, no turn) and still serves encrypted ones', async () => {
    const victim = uniqueOpenId('SafeVictim');
    const now = (): SigningOptions => ({ timestamp: epochSeconds(clock.now()) });
    const welcome = await send(baseUrl, safeModePost(account, eventXml(victim, 'subscribe', clock), now()));
    expect(welcome.status).toBe(200);
    const stateKeys = [`wechat/conversations/${victim}/`, `wechat/users/${victim}/`];
    const stateBefore = Object.keys(await app.stores.botState.read(stateKeys)).sort();
    expect(stateBefore.length).toBeGreaterThan(0);

    const plainUnsubscribe = await send(baseUrl, plaintextPost(account, eventXml(victim, 'unsubscribe', clock), now()));
    expect(plainUnsubscribe.status).toBe(401);
    expect(JSON.parse(plainUnsubscribe.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(Object.keys(await app.stores.botState.read(stateKeys)).sort()).toEqual(stateBefore);

    const plainText = await send(baseUrl, plaintextPost(account, textXml(victim, '菜单', clock), now()));
    expect(plainText.status).toBe(401);
    expect(plainText.body).not.toContain(t('common:menu.about'));

    // An encrypted body without encrypt_type=aes / msg_signature is not accepted either.
    const encrypted = safeModePost(account, textXml(victim, '菜单', clock), now());
    encrypted.query.delete('encrypt_type');
    encrypted.query.delete('msg_signature');
    expect((await send(baseUrl, encrypted)).status).toBe(401);

    const served = await send(baseUrl, safeModePost(account, textXml(victim, '菜单', clock), now()));
    expect(served.status).toBe(200);
    expect(parseWeChatXml(served.body).Encrypt).toBeDefined();
  });

  it('refuses an encrypted push whose signatures are 400 days old', async () => {
    const openId = uniqueOpenId('SafeOld');
    const old = safeModePost(account, textXml(openId, '菜单', clock), { timestamp: epochSeconds(new Date(clock.now().getTime() - 400 * day)) });
    expect((await send(baseUrl, old)).status).toBe(401);
  });
});

/**
 * Two instances on one PostgreSQL database (a hospital's multi-instance deployment): the nonce record and
 * the MsgId claim are shared. Isolated in its own schema, dropped afterwards.
 */
describe('WeChat replay protection across two instances on PostgreSQL', () => {
  const schema = `tg_wxreplay_${randomBytes(4).toString('hex')}`;
  const serverUrl = 'postgres://postgres@127.0.0.1:5432/test';
  const dataDirs = [mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-pg1-')), mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-pg2-'))];
  const clock = testClock();
  const apps: { app: App; baseUrl: string }[] = [];
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const env = { DATABASE_URL: `${serverUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), DIRECTLINE_SECRET: 'wechat-replay-test-directline-secret-01' };
    for (const dataDir of dataDirs) apps.push(await wechatApp(dataDir, clock, env));
  });

  afterAll(async () => {
    for (const { app } of apps) await app.stop();
    await dropSchemas(admin, [schema]);
    await admin.end();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a nonce seen by one instance cannot carry another body to the other; the same message delivered three times across both files one referral', async () => {
    const [first, second] = apps;
    if (!first || !second) throw new Error('two instances expected');
    expect(first.app.stores.kind).toBe('postgres');
    const victim = uniqueOpenId('PgVictim');
    let captured: URLSearchParams | undefined;
    const answers: string[] = [];
    const reference = await fileReferral(first.baseUrl, victim, clock, async (xml) => {
      const post = plaintextPost(account, xml, { timestamp: epochSeconds(clock.now()) });
      captured = post.query;
      // WeChat's retries may land on any instance: first, second, first.
      for (const target of [first, second, first]) {
        const response = await send(target.baseUrl, post);
        expect(response.status).toBe(200);
        answers.push(replyText(response.body));
      }
      return answers.find((answer) => referencePattern.test(answer)) ?? '';
    });
    for (const answer of answers) expect(answer === 'success' || answer.includes(reference), answer).toBe(true);
    await expectOneReferral(first.app, reference);

    const forged = await send(second.baseUrl, { query: new URLSearchParams(captured), body: eventXml(victim, 'unsubscribe', clock) });
    expect(forged.status).toBe(401);
    expect((await second.app.stores.referrals.getByReference(reference))?.reference).toBe(reference);
  });
});

describe('WeChat when the shared store cannot record a nonce', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-nostore-'));
  const clock = testClock();
  const turns: string[] = [];
  const logic = async (context: TurnContext) => {
    turns.push(context.activity.type);
    await context.sendActivity('ok');
  };

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses plaintext pushes with 503 (nothing else ties the signature to the body); safe mode goes on', async () => {
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', WECHAT_TOKEN: account.token, WECHAT_APP_ID: account.appId, WECHAT_MENU_LANGUAGE: 'en' } as const;
    const logger = createLogger('silent');
    const plainConfig = loadConfig(env);
    const safeConfig = loadConfig({ ...env, WECHAT_ENCODING_AES_KEY: account.encodingAesKey });
    const stores = await createStores(plainConfig, logger);
    const servers = [createHttpServer({ config: plainConfig, logger }), createHttpServer({ config: safeConfig, logger })];
    const [plainServer, safeServer] = servers;
    if (!plainServer || !safeServer) throw new Error('two servers expected');
    const deps = { logger, stores, clock, prepareAdapter: () => undefined, botLogic: logic };
    const channels = [registerWeChatRoutes(plainServer, { ...deps, config: plainConfig }), registerWeChatRoutes(safeServer, { ...deps, config: safeConfig })];
    try {
      const plainUrl = `http://127.0.0.1:${await listen(plainServer, 0, '127.0.0.1')}`;
      const safeUrl = `http://127.0.0.1:${await listen(safeServer, 0, '127.0.0.1')}`;
      const openId = uniqueOpenId('NoStore');
      const signing = () => ({ timestamp: epochSeconds(clock.now()) });
      // While the store works, both answer.
      expect((await send(plainUrl, plaintextPost(account, textXml(openId, 'hi', clock), signing()))).status).toBe(200);
      expect(turns).toHaveLength(1);

      await stores.close();
      const plain = await send(plainUrl, plaintextPost(account, textXml(openId, 'hi', clock), signing()));
      expect(plain.status).toBe(503);
      expect(JSON.parse(plain.body)).toMatchObject({ error: { code: 'unavailable' } });
      expect(turns).toHaveLength(1);

      const safe = await send(safeUrl, safeModePost(account, textXml(openId, 'hi', clock), signing()));
      expect(safe.status).toBe(200);
    } finally {
      for (const channel of channels) await channel?.drain();
      for (const server of servers) await close(server);
    }
  });
});
