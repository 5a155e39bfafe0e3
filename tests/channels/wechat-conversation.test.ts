import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { WeChatMessageCrypto } from '../../src/channels/wechat/message-crypto';
import { isValidSignature } from '../../src/channels/wechat/signature';
import { parseWeChatXml } from '../../src/channels/wechat/xml';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator, translatorFor } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { createQuestionRecognizer } from '../../src/nlu/question-recognizer';
import { type FakeWeChatApi, startFakeWeChatApi } from '../fixtures/wechat/fake-wechat-api';
import { fixtureXml, safeModePost, send, type WeChatAccount } from '../fixtures/wechat/wechat-requests';

const account: Required<WeChatAccount> = { token: 'conversation-token', appId: 'wxconversation0001', encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq' };
const appSecret = 'conversation-secret';
const openId = 'oConversationUser01';
const t = translatorFor(createTranslator(projectRoot), 'zh-Hans');
const link = (text: string) => `<a href="weixin://bizmsgmenu?msgmenucontent=${text}&msgmenuid=`;

describe('a full safe-mode WeChat conversation through the real bot', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-app-'));
  const crypto = new WeChatMessageCrypto(account.encodingAesKey, account.appId);
  let fake: FakeWeChatApi;
  let app: App;
  let baseUrl: string;
  let clock = 1_800_000_000;

  /** Sends one push in safe mode and returns the decrypted passive reply's text. */
  async function push(xml: string, to = openId): Promise<string> {
    const response = await send(baseUrl, safeModePost(account, xml));
    expect(response.status).toBe(200);
    if (response.body === 'success') return response.body;
    const envelope = parseWeChatXml(response.body);
    expect(isValidSignature(envelope.MsgSignature, [account.token, envelope.TimeStamp ?? '', envelope.Nonce ?? '', envelope.Encrypt ?? ''])).toBe(true);
    const reply = parseWeChatXml(crypto.decrypt(envelope.Encrypt ?? ''));
    expect(reply.ToUserName).toBe(to);
    return reply.Content ?? '';
  }
  const text = (content: string, from = openId) => fixtureXml('text-message.xml', { openId: from, content, msgId: String(7_000_000_000_000_000_000n + BigInt((clock += 1))), createTime: String(clock) });
  const event = (name: string, eventKey = '', from = openId) => fixtureXml('event.xml', { openId: from, event: name, eventKey, createTime: String((clock += 1)) });

  beforeAll(async () => {
    fake = await startFakeWeChatApi({ appId: account.appId, appSecret });
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      // Auth off for /api/messages without an app id (not under test here).
      MicrosoftAppType: 'MultiTenant',
      WECHAT_TOKEN: account.token,
      WECHAT_APP_ID: account.appId,
      WECHAT_APP_SECRET: appSecret,
      WECHAT_ENCODING_AES_KEY: account.encodingAesKey,
      WECHAT_API_BASE: fake.baseUrl,
      WECHAT_MENU_LANGUAGE: 'zh-Hans',
    });
    app = await buildApp(config, { logger: createLogger('silent') });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('greets on follow, works by typed numbers and menu clicks, and erases on unfollow', async () => {
    const welcome = await push(event('subscribe'));
    expect(welcome).toContain('NCT04548271');
    // The welcome ends with the menu, numbered: nobody is asked who is asking.
    for (const key of ['common:menu.about', 'common:menu.precheck', 'common:menu.handoff']) expect(welcome).toContain(link(t(key)));
    expect(welcome).not.toContain(t('common:role.prompt'));
    expect(welcome).not.toMatch(/\*\*|^#/m);

    expect(await push(text('1'))).toContain(t('topics:about.answer'));

    // The pre-check asks who is asking first, numbered; a typed "2" (family) starts it worded for the patient's family.
    const precheck = await push(event('CLICK', 'TG_PRECHECK'));
    expect(precheck).toContain(t('common:role.prompt'));
    expect(precheck).toContain(link(t('common:role.family')));
    const started = await push(text('2'));
    expect(started).toContain(t('precheck:intro.notDiagnosis'));
    expect(started).toContain(t('precheck:questions.age.question', { context: 'family' }));

    expect(await push(text('菜单'))).toContain(link(t('common:menu.about')));

    const contact = await push(event('CLICK', 'TG_CONTACT'));
    expect(contact).toContain(t('handoff:consent.question'));

    // botbuilder's state keys: `${channelId}/conversations/${conversationId}/` and `${channelId}/users/${userId}/`.
    const stateKeys = [`wechat/conversations/${openId}/`, `wechat/users/${openId}/`];
    expect(Object.keys(await app.stores.botState.read(stateKeys)).sort()).toEqual(stateKeys);
    expect(await push(event('unsubscribe'))).toBe('success');
    expect(await app.stores.botState.read(stateKeys)).toEqual({});
    expect(fake.sent).toEqual([]);
  });

  it('"did you mean…?" offers the closest topics by title, numbered, plus the study team; a typed number opens the topic it names', async () => {
    const person = 'oConversationUser02';
    const question = '药的事情';
    // The recognizer is unsure of this one: its closest topics are what the person is offered.
    const recognition = createQuestionRecognizer(projectRoot).recognize(question, 'zh-Hans');
    expect(recognition.confident).toBe(false);
    const [first, second, third] = recognition.alternatives;
    if (!first || !second || !third) throw new Error('no alternatives');

    await push(event('subscribe', '', person), person);
    const offer = await push(text(question, person), person);
    expect(offer).toContain(t('common:ask.notSure'));
    // Numbered in the order offered: three topics by title, then the study team, and nothing else.
    const numbered = [first, second, third].map((id) => t(id === 'precheck' || id === 'handoff' ? `common:menu.${id}` : `topics:${id}.title`));
    numbered.push(t('common:menu.handoff'));
    numbered.forEach((title, index) => expect(offer).toContain(`${link(title)}${index + 1}">${title}</a>`));
    expect(offer.match(/weixin:\/\/bizmsgmenu/gu)).toHaveLength(4);

    // "2" is read by the bot against the question it has open (no memory in the channel): the second topic.
    const topic = await push(text('２', person), person);
    expect(topic).toContain(numbered[1]);
    expect(topic).not.toContain(t('common:ask.notSure'));
    // A number at the next question picks from ITS choices, not the earlier ones.
    const menuNumber = (topic.match(/(\d+)\. <a [^>]*>([^<]+)<\/a>/gu) ?? []).find((line) => line.includes(`>${t('common:nav.menu')}<`))?.split('.')[0];
    expect(menuNumber).toBeDefined();
    expect(await push(text(menuNumber ?? '', person), person)).toContain(t('common:menu.prompt'));
    expect(fake.sent).toEqual([]);
  });
});
