import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeChatMessageCrypto } from '../../src/channels/wechat/message-crypto';
import { wechatSignature } from '../../src/channels/wechat/signature';
import { type FakeWeChatApi, startFakeWeChatApi } from '../fixtures/wechat/fake-wechat-api';
import { epochSeconds } from '../fixtures/wechat/wechat-requests';
import { crashesIn, type FuzzApp, fuzzParameters, isPoliteAnswer, oddText, request, StatusCounts, startFuzzApp } from './fuzz-support';

/**
 * Fuzzing POST /api/wechat of the real app, in plaintext and in safe mode: XML as WeChat sends it with odd
 * content (unicode, entities, CDATA breakers, huge text), broken XML, entity bombs, wrong or stale signatures.
 * The answer is 200 ("success" or a reply) or 4xx, never a 5xx or internals; /healthz stays 200.
 */
const account = { token: 'fuzz-wechat-token', appId: 'wxfuzz000000000001', appSecret: 'fuzz-wechat-secret', encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq' };
const fixtures = path.join(__dirname, '..', 'fixtures', 'wechat');
const entityBomb = readFileSync(path.join(fixtures, 'entity-bomb.xml'), 'utf8');
const externalEntity = readFileSync(path.join(fixtures, 'external-entity.xml'), 'utf8');

let fake: FakeWeChatApi;
let plain: FuzzApp;
let safe: FuzzApp;
let sequence = 0;

beforeAll(async () => {
  fake = await startFakeWeChatApi({ appId: account.appId, appSecret: account.appSecret });
  const env = { WECHAT_TOKEN: account.token, WECHAT_APP_ID: account.appId, WECHAT_APP_SECRET: account.appSecret, WECHAT_API_BASE: fake.baseUrl, WECHAT_MENU_LANGUAGE: 'zh-Hans' };
  plain = await startFuzzApp(env);
  safe = await startFuzzApp({ ...env, WECHAT_ENCODING_AES_KEY: account.encodingAesKey });
});

afterAll(async () => {
  await plain?.close();
  await safe?.close();
  await fake?.close();
});

/** A unique nonce per request (the app refuses a reused one) and the current time, as WeChat signs. */
function freshSigning(): { timestamp: string; nonce: string } {
  sequence += 1;
  return { timestamp: epochSeconds(), nonce: `${sequence}${randomBytes(3).readUIntBE(0, 3)}` };
}

/** How the query is signed: correctly, or in one of the ways an attacker or a broken proxy gets it wrong. */
const signingMode = fc.oneof(
  { weight: 6, arbitrary: fc.constant('valid' as const) },
  { weight: 1, arbitrary: fc.constantFrom('wrong-signature' as const, 'stale' as const, 'future' as const, 'missing' as const, 'reused-nonce' as const, 'odd-values' as const) },
);
type SigningMode = typeof signingMode extends fc.Arbitrary<infer T> ? T : never;

const reusedNonce = { timestamp: epochSeconds(), nonce: 'reused-nonce-1' };

function signedQuery(mode: SigningMode, extra: Record<string, string> = {}): { query: URLSearchParams; timestamp: string; nonce: string } {
  let { timestamp, nonce } = freshSigning();
  if (mode === 'stale') timestamp = String(Number(timestamp) - 400 * 24 * 3600);
  if (mode === 'future') timestamp = String(Number(timestamp) + 3600);
  if (mode === 'reused-nonce') ({ timestamp, nonce } = reusedNonce);
  if (mode === 'odd-values') timestamp = '１７００００００００';
  const signature = mode === 'wrong-signature' ? '0'.repeat(40) : wechatSignature([account.token, timestamp, nonce]);
  const query = mode === 'missing' ? new URLSearchParams(extra) : new URLSearchParams({ signature, timestamp, nonce, ...extra });
  return { query, timestamp, nonce };
}

/** Text for a CDATA section or an element: odd unicode, entities, CDATA breakers, huge runs. */
const content = fc.oneof(
  { weight: 4, arbitrary: oddText },
  { weight: 1, arbitrary: fc.constantFrom(']]>', ']]><MsgType>event</MsgType><![CDATA[', '&amp;&lt;&#x0;&#xD800;&#1114112;', '<![CDATA[nested]]>', '\u0000\u0001\u0008', 'x'.repeat(60_000)) },
);
const cdata = (text: string) => `<![CDATA[${text}]]>`;
const openId = fc.oneof(fc.constantFrom('oFuzzUser0001', 'oFuzzUser0002', 'oFuzzUser0003'), fc.string({ unit: 'grapheme', maxLength: 40 }));

/** XML bodies as WeChat would send them, and as it never would. */
const xmlBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(openId, content, fc.boolean(), fc.nat({ max: 2 ** 31 }))
      .map(([user, text, asCdata, id]) => `<xml><ToUserName>${cdata('gh_fuzz')}</ToUserName><FromUserName>${cdata(user)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${asCdata ? cdata(text) : text}</Content><MsgId>${id}</MsgId></xml>`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(openId, fc.constantFrom('subscribe', 'unsubscribe', 'CLICK', 'VIEW', 'SCAN', 'LOCATION', 'weird'), fc.oneof(fc.constantFrom('about', 'precheck', 'handoff', 'contact', ''), fc.string({ maxLength: 80 })))
      .map(([user, event, key]) => `<xml><ToUserName>${cdata('gh_fuzz')}</ToUserName><FromUserName>${cdata(user)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata(event)}</Event><EventKey>${cdata(key)}</EventKey></xml>`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(openId, fc.constantFrom('voice', 'image', 'video', 'location', 'link', 'file', 'miniprogrampage', ''), fc.string({ maxLength: 100 }))
      .map(([user, type, extra]) => `<xml><FromUserName>${cdata(user)}</FromUserName><MsgType>${cdata(type)}</MsgType><Recognition>${cdata(extra)}</Recognition><MediaId>${extra}</MediaId><MsgId>1</MsgId></xml>`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'success',
      '<xml/>',
      '<xml><MsgType>text</MsgType></xml>',
      '<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>',
      '<?xml version="1.0" encoding="UTF-16"?><xml></xml>',
      '<xml><Content><a><b><c>deep</c></b></a></Content></xml>',
      `<xml>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</xml>`,
      '<xml><Content>unclosed',
      '{"json":"instead"}',
      '\uFEFF<xml><MsgType>text</MsgType></xml>',
      entityBomb,
      externalEntity,
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 500 }) },
);

async function post(fuzz: FuzzApp, query: URLSearchParams, body: string, contentType: string) {
  return request(`${fuzz.baseUrl}/api/wechat?${query.toString()}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

const contentType = fc.oneof({ weight: 5, arbitrary: fc.constant('text/xml') }, { weight: 1, arbitrary: fc.constantFrom('application/xml', 'text/plain', 'application/json', 'application/x-www-form-urlencoded', '') });

describe('fuzz: WeChat XML', () => {
  it('plaintext mode: signed correctly or not, any XML gets 200 or 4xx without internals', async () => {
    const statuses = new StatusCounts();
    await fc.assert(
      fc.asyncProperty(signingMode, xmlBody, contentType, async (mode, body, type) => {
        const answer = await post(plain, signedQuery(mode).query, body, type);
        statuses.add(answer.status);
        expect(isPoliteAnswer(answer), `${mode} ${answer.status} ${answer.body.slice(0, 300)}`).toBe(true);
      }),
      fuzzParameters('wechat plaintext', 250, 12_000),
    );
    console.info(`fuzz wechat plaintext: ${statuses.toString()}`);
    expect(crashesIn(plain.logLines)).toEqual([]);
  }, 60_000);

  it('safe mode: encrypted with the right or a wrong key, msg_signature right or wrong, plaintext refused', async () => {
    const statuses = new StatusCounts();
    const right = new WeChatMessageCrypto(account.encodingAesKey, account.appId);
    const wrongKey = new WeChatMessageCrypto('ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj', account.appId);
    const wrongApp = new WeChatMessageCrypto(account.encodingAesKey, 'wxsomebodyelse0001');
    const envelope = fc.constantFrom('right', 'wrong-key', 'wrong-app', 'garbage', 'plaintext', 'bad-msg-signature');
    await fc.assert(
      fc.asyncProperty(signingMode, envelope, xmlBody, fc.string({ unit: 'binary-ascii', maxLength: 200 }), async (mode, kind, xml, garbage) => {
        let encrypt = '';
        if (kind === 'right' || kind === 'bad-msg-signature') encrypt = right.encrypt(xml);
        else if (kind === 'wrong-key') encrypt = wrongKey.encrypt(xml);
        else if (kind === 'wrong-app') encrypt = wrongApp.encrypt(xml);
        else encrypt = garbage;
        const { query, timestamp, nonce } = signedQuery(mode, kind === 'plaintext' ? {} : { encrypt_type: 'aes' });
        if (kind !== 'plaintext') query.set('msg_signature', kind === 'bad-msg-signature' ? 'f'.repeat(40) : wechatSignature([account.token, timestamp, nonce, encrypt]));
        const body = kind === 'plaintext' ? xml : `<xml><ToUserName>${cdata('gh_fuzz')}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
        const answer = await post(safe, query, body, 'text/xml');
        statuses.add(answer.status);
        expect(isPoliteAnswer(answer), `${mode}/${kind} ${answer.status} ${answer.body.slice(0, 300)}`).toBe(true);
      }),
      fuzzParameters('wechat safe mode', 200, 6_000),
    );
    console.info(`fuzz wechat safe mode: ${statuses.toString()}`);
    expect(crashesIn(safe.logLines)).toEqual([]);
  }, 60_000);

  it('both stay healthy afterwards', async () => {
    for (const fuzz of [plain, safe]) expect((await request(`${fuzz.baseUrl}/healthz`, { method: 'GET' })).status).toBe(200);
  });
});
