import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Activity, MessageFactory, type TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelDependencies } from '../../src/channels/channel-dependencies';
import { WeChatMessageCrypto } from '../../src/channels/wechat/message-crypto';
import { isValidSignature } from '../../src/channels/wechat/signature';
import { registerWeChatRoutes, type WeChatChannel } from '../../src/channels/wechat/wechat-routes';
import { parseWeChatXml } from '../../src/channels/wechat/xml';
import { systemClock } from '../../src/clock';
import { loadConfig } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { type FakeWeChatApi, startFakeWeChatApi } from '../fixtures/wechat/fake-wechat-api';
import { fixtureXml, plaintextPost, safeModePost, send, signedQuery, type WeChatAccount } from '../fixtures/wechat/wechat-requests';

const account: Required<WeChatAccount> = { token: 'wechat-test-token', appId: 'wxtestappid0000001', encodingAesKey: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' };
const appSecret = 'wechat-test-secret';
/** Short so the slow-turn tests take about a second; production uses 4 s. */
const replyBudgetMs = 500;

/** A small bot of our own: enough to exercise the protocol (the real dialogs are tested elsewhere). */
class TestBot {
  readonly seen: Partial<Activity>[] = [];
  readonly erased: string[] = [];
  readonly events: string[] = [];
  private readonly running = new Map<string, number>();
  maxConcurrentPerUser = 0;

  readonly logic = async (context: TurnContext): Promise<void> => {
    const activity = context.activity;
    const user = activity.from.id;
    this.running.set(user, (this.running.get(user) ?? 0) + 1);
    this.maxConcurrentPerUser = Math.max(this.maxConcurrentPerUser, this.running.get(user) ?? 0);
    try {
      await this.respond(context, activity);
    } finally {
      this.running.set(user, (this.running.get(user) ?? 1) - 1);
    }
  };

  private async respond(context: TurnContext, activity: Activity): Promise<void> {
    this.seen.push({ type: activity.type, text: activity.text, value: activity.value, locale: activity.locale, channelId: activity.channelId, from: activity.from, conversation: activity.conversation, name: activity.name });
    if (activity.type === 'conversationUpdate') {
      await context.sendActivity('Welcome to TrialGuide.');
      return;
    }
    if (activity.type === 'event' && activity.name === 'trialguide.erase') {
      this.erased.push(activity.from.id);
      await context.sendActivity('Your data has been deleted.');
      return;
    }
    const text = activity.text ?? '';
    this.events.push(`start:${text}`);
    const slow = /^slow (\d+)$/.exec(text);
    if (slow) await sleep(Number(slow[1]));
    if (text === 'menu') await context.sendActivity(MessageFactory.suggestedActions(['Yes', 'No', 'Not sure'], 'Do you smoke?'));
    else if (text === 'long') await context.sendActivity(Array.from({ length: 60 }, (_, index) => `Paragraph ${index + 1}: ${'x'.repeat(70)}.`).join('\n\n'));
    else await context.sendActivity(`You said: ${text}`);
    this.events.push(`end:${text}`);
  }
}

let counter = 0;
const uniqueOpenId = () => `oTestUser${process.pid}x${(counter += 1)}`;
const uniqueMsgId = () => `${9_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt((counter += 1))}`;
const now = () => String(Math.floor(Date.now() / 1000));

function textXml(openId: string, content: string, msgId = uniqueMsgId()): string {
  return fixtureXml('text-message.xml', { openId, content, msgId, createTime: now() });
}

function passiveContent(body: string): { to: string; from: string; content: string } {
  const fields = parseWeChatXml(body);
  return { to: fields.ToUserName ?? '', from: fields.FromUserName ?? '', content: fields.Content ?? '' };
}

describe('/api/wechat', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-'));
  const logLines: string[] = [];
  const bot = new TestBot();
  let fake: FakeWeChatApi;
  let server: Server;
  let safeServer: Server;
  let stores: Stores;
  /** Plaintext mode (no EncodingAESKey). */
  let channel: WeChatChannel | undefined;
  let baseUrl: string;
  /** Safe mode, same account and storage: it accepts encrypted pushes only. */
  let safeChannel: WeChatChannel | undefined;
  let safeUrl: string;
  const prepared: unknown[] = [];

  beforeAll(async () => {
    fake = await startFakeWeChatApi({ appId: account.appId, appSecret });
    const plainEnv = {
      DATA_DIR: dataDir,
      WECHAT_TOKEN: account.token,
      WECHAT_APP_ID: account.appId,
      WECHAT_APP_SECRET: appSecret,
      WECHAT_API_BASE: fake.baseUrl,
      WECHAT_MENU_LANGUAGE: 'en',
    };
    const config = loadConfig(plainEnv);
    const safeConfig = loadConfig({ ...plainEnv, WECHAT_ENCODING_AES_KEY: account.encodingAesKey });
    const logger = createLogger('info', (line) => logLines.push(line));
    stores = await createStores(config, logger);
    const deps = (channelConfig: typeof config): ChannelDependencies => ({ config: channelConfig, logger, stores, clock: systemClock, prepareAdapter: (adapter) => prepared.push(adapter), botLogic: bot.logic });
    server = createHttpServer({ config, logger });
    channel = registerWeChatRoutes(server, deps(config), { replyBudgetMs });
    baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    safeServer = createHttpServer({ config: safeConfig, logger });
    safeChannel = registerWeChatRoutes(safeServer, deps(safeConfig), { replyBudgetMs });
    safeUrl = `http://127.0.0.1:${await listen(safeServer, 0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await channel?.drain();
    await safeChannel?.drain();
    await close(server);
    await close(safeServer);
    await stores.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers only with WECHAT_TOKEN, and hands its adapter to prepareAdapter', () => {
    expect(channel).toBeDefined();
    expect(prepared).toEqual([channel?.adapter, safeChannel?.adapter]);
    const withoutToken = loadConfig({ DATA_DIR: dataDir });
    const bare = createHttpServer({ config: withoutToken, logger: createLogger('silent') });
    expect(registerWeChatRoutes(bare, { config: withoutToken, logger: createLogger('silent'), stores, clock: systemClock, prepareAdapter: () => undefined, botLogic: bot.logic })).toBeUndefined();
  });

  it('answers URL verification with echostr, and 401 when the signature is wrong', async () => {
    const query = signedQuery(account, { echostr: '6213859174312065012' });
    const ok = await fetch(`${baseUrl}/api/wechat?${query.toString()}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('6213859174312065012');

    query.set('signature', '0'.repeat(40));
    const bad = await fetch(`${baseUrl}/api/wechat?${query.toString()}`);
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('replies passively to a signed plaintext text message, To/From swapped', async () => {
    const openId = uniqueOpenId();
    const response = await send(baseUrl, plaintextPost(account, textXml(openId, 'hello')));
    expect(response.status).toBe(200);
    expect(response.contentType).toContain('xml');
    expect(passiveContent(response.body)).toEqual({ to: openId, from: 'gh_10f6c3c3ac5a', content: 'You said: hello' });
    const seen = bot.seen.find((activity) => activity.from?.id === openId);
    expect(seen).toMatchObject({ type: 'message', channelId: 'wechat', locale: 'en-US', text: 'hello', conversation: { id: openId } });

    // restify hands text/* bodies over as strings and application/xml as a Buffer: both are read.
    const asApplicationXml = await send(baseUrl, plaintextPost(account, textXml(openId, 'application/xml body')), 'application/xml');
    expect(passiveContent(asApplicationXml.body).content).toBe('You said: application/xml body');
  });

  it('round-trips safe mode: the encrypted reply carries a valid MsgSignature and decrypts to the answer', async () => {
    const openId = uniqueOpenId();
    const response = await send(safeUrl, safeModePost(account, textXml(openId, '你好')));
    expect(response.status).toBe(200);
    const envelope = parseWeChatXml(response.body);
    expect(Object.keys(envelope).sort()).toEqual(['Encrypt', 'MsgSignature', 'Nonce', 'TimeStamp']);
    expect(isValidSignature(envelope.MsgSignature, [account.token, envelope.TimeStamp ?? '', envelope.Nonce ?? '', envelope.Encrypt ?? ''])).toBe(true);
    const inner = new WeChatMessageCrypto(account.encodingAesKey, account.appId).decrypt(envelope.Encrypt ?? '');
    expect(passiveContent(inner)).toEqual({ to: openId, from: 'gh_10f6c3c3ac5a', content: 'You said: 你好' });
  });

  it('rejects a bad signature or msg_signature with 401 and runs no turn', async () => {
    const openId = uniqueOpenId();
    const plain = plaintextPost(account, textXml(openId, 'forged'));
    plain.query.set('signature', 'f'.repeat(40));
    expect((await send(baseUrl, plain)).status).toBe(401);

    const unsigned = plaintextPost(account, textXml(openId, 'forged'));
    unsigned.query.delete('signature');
    expect((await send(baseUrl, unsigned)).status).toBe(401);

    const safe = safeModePost(account, textXml(openId, 'forged'));
    safe.query.set('msg_signature', 'a'.repeat(40));
    expect((await send(safeUrl, safe)).status).toBe(401);

    const otherToken = plaintextPost({ ...account, token: 'not-the-token' }, textXml(openId, 'forged'));
    expect((await send(baseUrl, otherToken)).status).toBe(401);
    expect(bot.seen.filter((activity) => activity.from?.id === openId)).toEqual([]);
  });

  it('answers 400 to malformed, DOCTYPE/entity and oversized XML, and keeps serving', async () => {
    expect.hasAssertions();
    const openId = uniqueOpenId();
    const bodies = [
      '<xml><ToUserName>unclosed</xml>',
      'definitely not xml',
      fixtureXml('entity-bomb.xml'),
      fixtureXml('external-entity.xml'),
      `<xml><ToUserName><![CDATA[gh]]></ToUserName><Content><![CDATA[${'很'.repeat(8000)}]]></Content></xml>`,
      '<xml><ToUserName><![CDATA[gh]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>',
    ];
    for (const body of bodies) {
      const response = await send(baseUrl, plaintextPost(account, body));
      expect(response.status, body.slice(0, 40)).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'bad_request' } });
    }
    // An encrypted body: plaintext mode cannot read it (400); safe mode refuses it without encrypt_type and msg_signature (401).
    const garbledSafeMode = () => plaintextPost(account, '<xml><Encrypt><![CDATA[bm90IGJsb2Nrcw==]]></Encrypt></xml>');
    expect((await send(baseUrl, garbledSafeMode())).status).toBe(400);
    expect((await send(safeUrl, garbledSafeMode())).status).toBe(401);

    const tooLargeForServer = await send(baseUrl, plaintextPost(account, `<xml>${'a'.repeat(70 * 1024)}</xml>`));
    expect(tooLargeForServer.status).toBe(413);

    const stillServing = await send(baseUrl, plaintextPost(account, textXml(openId, 'still there?')));
    expect(passiveContent(stillServing.body).content).toBe('You said: still there?');
  });

  it('runs a retried MsgId once and gives the retry the same reply, also while the first is running', async () => {
    const openId = uniqueOpenId();
    const xml = textXml(openId, 'slow 200');
    const [first, retry] = await Promise.all([send(baseUrl, plaintextPost(account, xml)), sleep(50).then(() => send(baseUrl, plaintextPost(account, xml)))]);
    expect(passiveContent(first.body).content).toBe('You said: slow 200');
    expect(passiveContent(retry.body).content).toBe('You said: slow 200');

    const late = await send(baseUrl, plaintextPost(account, xml));
    expect(passiveContent(late.body).content).toBe('You said: slow 200');
    expect(bot.seen.filter((activity) => activity.from?.id === openId)).toHaveLength(1);
  });

  it('lets a retry that arrives after "success" take the passive reply when the turn finishes in its time', async () => {
    const openId = uniqueOpenId();
    const sentBefore = fake.sent.length;
    const xml = textXml(openId, 'slow 900');
    const first = send(baseUrl, plaintextPost(account, xml));
    const retry = sleep(replyBudgetMs + 100).then(() => send(baseUrl, plaintextPost(account, xml)));
    expect((await first).body).toBe('success');
    expect(passiveContent((await retry).body).content).toBe('You said: slow 900');
    await channel?.drain();
    expect(fake.sent.slice(sentBefore).filter((message) => message.touser === openId)).toEqual([]);
    expect(bot.seen.filter((activity) => activity.from?.id === openId)).toHaveLength(1);
  });

  it('treats a byte-identical re-send (same nonce, same body) as WeChat\'s retry, in both modes, not as a replay', async () => {
    for (const [url, post] of [
      [baseUrl, (xml: string) => plaintextPost(account, xml)],
      [safeUrl, (xml: string) => safeModePost(account, xml)],
    ] as const) {
      const openId = uniqueOpenId();
      const sentBefore = fake.sent.length;
      const request = post(textXml(openId, 'slow 900'));
      // WeChat re-sends after its 5 s (here the 500 ms budget) while the first turn is still running.
      const responses = await Promise.all([send(url, request), sleep(replyBudgetMs + 100).then(() => send(url, request)), sleep(replyBudgetMs + 200).then(() => send(url, request))]);
      for (const response of responses) expect(response.status).toBe(200);
      await channel?.drain();
      await safeChannel?.drain();
      expect(bot.seen.filter((activity) => activity.from?.id === openId)).toHaveLength(1);
      // One answer: passive to the re-sends still waiting, or (if none waited long enough) through the API.
      const passive = responses.filter((response) => response.body !== 'success').length;
      const later = fake.sent.slice(sentBefore).filter((message) => message.touser === openId).length;
      expect(passive > 0 ? later : later - 1, `passive ${passive}, API ${later}`).toBe(0);
    }
  });

  it('leaves a push another instance already claimed to that instance', async () => {
    const openId = uniqueOpenId();
    const msgId = uniqueMsgId();
    await stores.keyValue.set(`wechat:delivery:msg:${msgId}`, 'claimed', new Date(Date.now() + 60_000));
    expect((await send(baseUrl, plaintextPost(account, textXml(openId, 'hello', msgId)))).body).toBe('success');
    expect(bot.seen.filter((activity) => activity.from?.id === openId)).toEqual([]);
  });

  it('answers "success" to a slow turn and delivers the reply through the customer-service API, refreshing a rejected token', async () => {
    const openId = uniqueOpenId();
    // A long answer uses the API once, so a token is cached before WeChat is made to reject it.
    await send(baseUrl, plaintextPost(account, textXml(openId, 'long')));
    await channel?.drain();
    expect(fake.tokenRequests).toBeGreaterThan(0);
    const sentBefore = fake.sent.length;
    fake.failNextSends(40001);
    const tokensBefore = fake.tokenRequests;

    const started = Date.now();
    const response = await send(safeUrl, safeModePost(account, textXml(openId, 'slow 1200')));
    const waited = Date.now() - started;
    expect(response.body).toBe('success');
    expect(waited).toBeGreaterThanOrEqual(replyBudgetMs - 50);
    expect(waited).toBeLessThan(1200);

    await fake.waitForSent(sentBefore + 1);
    expect(fake.sent.at(-1)).toEqual({ touser: openId, msgtype: 'text', text: { content: 'You said: slow 1200' } });
    expect(fake.tokenRequests).toBe(tokensBefore + 1);
  });

  it('sends the first part of a long answer passively and the rest through the API, each under the limit', async () => {
    const openId = uniqueOpenId();
    const sentBefore = fake.sent.length;
    const response = await send(baseUrl, plaintextPost(account, textXml(openId, 'long')));
    const first = passiveContent(response.body).content;
    expect(first.startsWith('Paragraph 1:')).toBe(true);
    await channel?.drain();
    const rest = fake.sent.slice(sentBefore).filter((message) => message.touser === openId);
    expect(rest.length).toBeGreaterThan(0);
    const all = [first, ...rest.map((message) => message.text?.content ?? '')];
    expect(all.join('\n\n')).toContain('Paragraph 60:');
    for (const part of all) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(2048);
  });

  it('renders choices as numbered bizmsgmenu links; a typed number reaches the bot as typed (the bot reads it against its open question)', async () => {
    const openId = uniqueOpenId();
    const menu = passiveContent((await send(baseUrl, plaintextPost(account, textXml(openId, 'menu')))).body).content;
    expect(menu).toContain('Do you smoke?');
    expect(menu).toContain('2. <a href="weixin://bizmsgmenu?msgmenucontent=No&msgmenuid=2">No</a>');
    expect(menu).toContain('Reply with the number of your choice, or tap it.');

    // The channel keeps no memory of the choices it showed: this test bot echoes, so the number comes back as typed.
    // (The real bot's prompts resolve numbers: tests/channels/wechat-conversation.test.ts.)
    const picked = passiveContent((await send(baseUrl, plaintextPost(account, textXml(openId, '２')))).body).content;
    expect(picked).toBe('You said: ２');
  });

  it('turns subscribe, menu CLICK, voice recognition and unsubscribe into activities', async () => {
    const openId = uniqueOpenId();
    const event = (name: string, eventKey = '') => fixtureXml('event.xml', { openId, event: name, eventKey, createTime: String(Number(now()) + (counter += 1)) });

    const welcome = await send(baseUrl, plaintextPost(account, event('subscribe')));
    expect(passiveContent(welcome.body).content).toBe('Welcome to TrialGuide.');

    const click = await send(safeUrl, safeModePost(account, event('CLICK', 'TG_CONTACT')));
    expect(click.status).toBe(200);
    expect(bot.seen.at(-1)).toMatchObject({ type: 'message', text: 'Contact the study team', value: { command: 'handoff' } });

    const voice = fixtureXml('voice-message.xml', { openId, recognition: '我能参加吗', msgId: uniqueMsgId(), createTime: now() });
    expect(passiveContent((await send(baseUrl, plaintextPost(account, voice))).body).content).toBe('You said: 我能参加吗');

    const unheard = fixtureXml('voice-message.xml', { openId, recognition: '', msgId: uniqueMsgId(), createTime: now() });
    expect(passiveContent((await send(baseUrl, plaintextPost(account, unheard))).body).content).toBe('Sorry, I could not make out that voice message. Please type your message instead.');

    const goodbye = await send(baseUrl, plaintextPost(account, event('unsubscribe')));
    expect(goodbye.body).toBe('success');
    expect(bot.erased).toEqual([openId]);
    expect(bot.seen.at(-1)).toMatchObject({ type: 'event', name: 'trialguide.erase' });
  });

  it('runs the turns of one person one at a time', async () => {
    const openId = uniqueOpenId();
    const sentBefore = fake.sent.length;
    const [slow, quick] = await Promise.all([
      send(baseUrl, plaintextPost(account, textXml(openId, 'slow 300'))),
      sleep(30).then(() => send(baseUrl, plaintextPost(account, textXml(openId, 'quick')))),
    ]);
    expect(passiveContent(slow.body).content).toBe('You said: slow 300');
    const quickReply = quick.body === 'success' ? (await fake.waitForSent(sentBefore + 1), fake.sent.at(-1)?.text?.content) : passiveContent(quick.body).content;
    expect(quickReply).toBe('You said: quick');
    expect(bot.events.filter((entry) => entry.endsWith('slow 300') || entry.endsWith('quick'))).toEqual(['start:slow 300', 'end:slow 300', 'start:quick', 'end:quick']);
    expect(bot.maxConcurrentPerUser).toBe(1);
  });

  it('gives up quietly when WeChat says the customer-service window is closed', async () => {
    const openId = uniqueOpenId();
    const sentBefore = fake.sent.length;
    fake.failNextSends(45015);
    expect((await send(baseUrl, plaintextPost(account, textXml(openId, 'slow 800')))).body).toBe('success');
    await channel?.drain();
    expect(fake.sent.length).toBe(sentBefore);
    expect(logLines.some((line) => line.includes('outside the customer-service window'))).toBe(true);
  });

  it('never writes an OpenID or message text to the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes('oTestUser') || line.includes('You said'))).toEqual([]);
  });
});
