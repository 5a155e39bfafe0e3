import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { eraseReferralByReference } from '../../src/privacy/erase-by-reference';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import { allText, type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

/**
 * "Delete my data" after a page reload: the new Direct Line conversation cannot see the referral sent from the
 * earlier one. The bot must say so, and erase it when the person gives its reference and the phone number they
 * gave with it (both must match).
 */
interface Script {
  channelLocale: string;
  locale: Locale;
  role: string;
  handoff: string;
  consentYes: string;
  name: string;
  phone: string;
  /** The same number, typed differently when erasing. */
  phoneAgain: string;
  otherPhone: string;
  skipEmail: string;
  bestTime: string;
  language: string;
  send: string;
  erase: string;
  yes: string;
  no: string;
  typeReference: (reference: string) => string;
}

const scripts: Script[] = [
  {
    channelLocale: 'en-US',
    locale: 'en',
    role: 'I am the patient',
    handoff: 'talk to a person',
    consentYes: 'yes',
    name: 'Ms Chen',
    phone: '138 1234 5678',
    phoneAgain: '+86 138-1234-5678',
    otherPhone: '139 1234 5678',
    skipEmail: 'skip',
    bestTime: 'after 6 pm',
    language: 'Mandarin',
    send: 'yes',
    erase: 'delete my data',
    yes: 'yes',
    no: 'no',
    typeReference: (reference) => `my reference is ${reference}`,
  },
  {
    channelLocale: 'zh-CN',
    locale: 'zh-Hans',
    role: '我是患者',
    handoff: '转人工',
    consentYes: '同意',
    name: '陈女士',
    phone: '我的电话是13812345678',
    phoneAgain: '１３８ １２３４ ５６７８',
    otherPhone: '13912345678',
    skipEmail: '跳过',
    bestTime: '周末下午',
    language: '国语',
    send: '对',
    erase: '删除我的信息',
    yes: '是的',
    no: '不要',
    typeReference: (reference) => reference.replace('-', '').toLowerCase(),
  },
  {
    channelLocale: 'zh-HK',
    locale: 'zh-Hant',
    role: '我是家人',
    handoff: '轉人工',
    consentYes: '係',
    name: '黃先生',
    phone: '9123 4567',
    phoneAgain: '+852 91234567',
    otherPhone: '9876 5432',
    skipEmail: '略過',
    bestTime: '放工後',
    language: '粵語',
    send: '正確',
    erase: '刪除我的資料',
    yes: '係',
    no: '唔好',
    typeReference: (reference) => ` ${reference.slice(0, 5).toLowerCase()} ${reference.slice(5)} `,
  },
];

const i18n = createTranslator(process.cwd());
const referencePattern = /TG-[2-9A-HJKMNP-Z]{5}/;
const env = { MicrosoftAppType: 'MultiTenant' };

const open: Conversation[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  for (const chat of open.splice(0)) await chat.close();
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function chatIn(dataDir: string, script: Script, channelId = 'directline', conversationId?: string): Promise<Conversation> {
  const chat = await startConversation({ locale: script.channelLocale, env, dataDir, channelId, conversationId });
  open.push(chat);
  return chat;
}

/** A first visit that ends with a referral; returns its reference. */
async function referFirst(chat: Conversation, script: Script): Promise<string> {
  await chat.say(script.handoff);
  // Nobody said who is asking: the hand-off asks after consent ("Who are you to the patient?").
  for (const answer of [script.consentYes, script.role, script.name, script.phone, script.skipEmail, script.bestTime, script.language]) await chat.say(answer);
  const reference = referencePattern.exec(allText(await chat.say(script.send)))?.[0];
  if (!reference) throw new Error(`the hand-off gave no reference: ${JSON.stringify(chat.logLines.slice(-5))}`);
  return reference;
}

/** The earlier visit, then a page reload: the same deployment, a new Direct Line conversation. */
async function reloadAfterReferral(script: Script): Promise<{ later: Conversation; reference: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-erase-'));
  dataDirs.push(dataDir);
  const earlier = await chatIn(dataDir, script);
  const reference = await referFirst(earlier, script);
  await earlier.close();
  open.splice(open.indexOf(earlier), 1);
  const later = await chatIn(dataDir, script);
  return { later, reference };
}

function lastText(replies: BotReply[]): string {
  return replies.at(-1)?.text ?? '';
}

describe.each(scripts)('"delete my data" after a page reload, in $locale', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('says what it erased and what it could not see, with the reference-and-phone route and the study team’s number', async () => {
    const { later, reference } = await reloadAfterReferral(script);
    const { phone } = later.app.config.site.coordinator;
    const question = await later.say(script.erase);
    expect(lastText(question)).toBe(`${t('handoff:erase.question')}\n\n${t('handoff:erase.otherChats')}`);
    expect(question.at(-1)?.choices).toEqual([t('handoff:choice.yes'), t('handoff:choice.no')]);

    // The erased profile held the language: the bot asks for it again, and nothing else follows.
    await expectTurn(later, script.yes, [`${t('handoff:erase.doneNoReferral')}\n\n${t('handoff:erase.otherChatsRoute', { phone })}`, t('common:language.prompt')]);
    // The earlier referral was not erased, and the reply does not pretend it was.
    expect(await later.stores.referrals.getByReference(reference)).toBeDefined();
  });

  it('erases the earlier referral by its reference and the same phone number, typed differently', async () => {
    const { later, reference } = await reloadAfterReferral(script);
    const { phone, email } = later.app.config.site.coordinator;
    await later.say(script.erase);
    await expectTurn(later, script.typeReference(reference), [t('handoff:erase.phonePrompt', { reference })]);
    await expectTurn(later, script.phoneAgain, [
      `${t('handoff:erase.earlierDone', { reference })}\n\n${t('handoff:erase.alreadyDelivered', { phone, email })}`,
      t('handoff:erase.questionThisChat'),
    ]);
    expect(await later.stores.referrals.getByReference(reference)).toBeUndefined();
    const audit = await later.stores.audit.list(10);
    expect(audit.some((entry) => entry.action === 'referral.delete' && entry.detail === 'by=reference+phone')).toBe(true);

    // The person may stop there: this chat's answers stay.
    expect((await later.say(script.no)).map((reply) => reply.text)).toEqual([t('handoff:erase.keptThisChat'), t('common:menu.prompt')]);
  });

  it('erases nothing when the phone does not match, and says the same as for an unknown reference', async () => {
    const { later, reference } = await reloadAfterReferral(script);
    const { phone } = later.app.config.site.coordinator;
    const unknown = reference.endsWith('2') ? `${reference.slice(0, -1)}3` : `${reference.slice(0, -1)}2`;

    await later.say(script.erase);
    await later.say(script.typeReference(reference));
    await expectTurn(later, script.otherPhone, [t('handoff:erase.earlierNotFound', { reference, phone }), t('handoff:erase.questionThisChat')]);
    expect(await later.stores.referrals.getByReference(reference)).toBeDefined();

    await later.say(unknown);
    await expectTurn(later, script.phoneAgain, [t('handoff:erase.earlierNotFound', { reference: unknown, phone }), t('handoff:erase.questionThisChat')]);
    expect(await later.stores.referrals.getByReference(reference)).toBeDefined();
  });
});

describe('erasing by reference is limited like referral lookups', () => {
  it('after 10 tries in an hour the conversation is refused, even with the right phone', async () => {
    const script = scripts[0] as Script;
    const t = i18n.getFixedT(script.locale);
    const { later, reference } = await reloadAfterReferral(script);
    const { phone } = later.app.config.site.coordinator;
    await later.say(script.erase);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const unknown = `TG-${'23456789ABCDEFGHJKMNPQRSTUVWXYZ'[attempt]}2222`;
      await later.say(unknown);
      await expectTurn(later, script.otherPhone, [t('handoff:erase.earlierNotFound', { reference: unknown, phone }), t('handoff:erase.questionThisChat')]);
    }
    await later.say(script.typeReference(reference));
    const refused = allText(await later.say(script.phoneAgain));
    expect(refused).toContain(t('handoff:erase.failed'));
    expect(refused).toContain(phone);
    expect(await later.stores.referrals.getByReference(reference)).toBeDefined();
  });
});

describe('on WeChat the erasure is openid-wide', () => {
  it('a referral sent from the same WeChat account is erased by "删除我的信息" whenever it was sent', async () => {
    const script = scripts[1] as Script;
    const t = i18n.getFixedT(script.locale);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-erase-'));
    dataDirs.push(dataDir);
    const openId = 'oWeChatOpenId_0123456789abcdef';
    const first = await chatIn(dataDir, script, 'wechat', openId);
    const reference = await referFirst(first, script);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // A later visit from the same account is the same conversation: WeChat keys it by the openid.
    const later = await chatIn(dataDir, script, 'wechat', openId);
    await later.say(script.erase);
    const done = allText(await later.say(script.yes));
    expect(done).toContain(t('handoff:erase.doneOneReferral'));
    expect(done).toContain(t('handoff:erase.otherChatsRoute', { phone: later.app.config.site.coordinator.phone }));
    expect(await later.stores.referrals.getByReference(reference)).toBeUndefined();
  });
});

describe('on WeChat, typed answers only', () => {
  it('a referral sent from the web page is erased from WeChat by typing its reference and the phone number', async () => {
    const script = scripts[1] as Script;
    const t = i18n.getFixedT(script.locale);
    const { later: web, reference } = await reloadAfterReferral(script);
    const dataDir = web.app.config.env.DATA_DIR;
    await web.close();
    open.splice(open.indexOf(web), 1);

    const wechat = await chatIn(dataDir, script, 'wechat', 'oWeChatOpenId_fedcba9876543210');
    const question = await wechat.say(script.erase);
    // WeChat shows no buttons: the choices are numbered lines, and a reference may be typed instead.
    expect(question.at(-1)?.text).toContain(t('handoff:erase.otherChats'));
    await expectTurn(wechat, reference.toLowerCase(), [t('handoff:erase.phonePrompt', { reference })]);
    const { phone, email } = wechat.app.config.site.coordinator;
    const erased = await wechat.say(script.phoneAgain);
    expect(erased[0]?.text).toBe(`${t('handoff:erase.earlierDone', { reference })}\n\n${t('handoff:erase.alreadyDelivered', { phone, email })}`);
    expect(erased[1]?.text).toContain(t('handoff:erase.questionThisChat'));
    expect(await wechat.stores.referrals.getByReference(reference)).toBeUndefined();
    // "2" is the numbered "no": this WeChat chat keeps its answers.
    expect((await wechat.say('2'))[0]?.text).toBe(t('handoff:erase.keptThisChat'));
  });
});

describe('erasing by reference reaches only what the referral’s own conversation owned', () => {
  it('a referral filed through another ingress under a Direct Line id leaves that Direct Line history alone; its own Direct Line one goes', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-erase-'));
    dataDirs.push(dataDir);
    const stores = await createStores(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'));
    try {
      const now = new Date();
      const contact = { name: 'Ms Chen', phone: '+8613812345678', bestTime: 'morning', preferredLanguage: 'mandarin', relationship: 'self' as const };
      const claimed = await stores.referrals.createWithNotifications({ conversationKey: 'bot-framework:directline/victim-conversation', channel: 'directline', locale: 'en', contact, consentVersion: 'v1' }, [], now);
      const own = await stores.referrals.createWithNotifications({ conversationKey: 'directline/own-conversation', channel: 'directline', locale: 'en', contact, consentVersion: 'v1' }, [], now);
      await stores.conversationLogs.append('victim-conversation', { type: 'message', text: 'the victim’s history' }, now);
      await stores.conversationLogs.append('own-conversation', { type: 'message', text: 'my history' }, now);

      expect(await eraseReferralByReference(stores, claimed.reference, '+86 138 1234 5678')).toBe(true);
      expect((await stores.conversationLogs.since('victim-conversation', 0)).activities).toHaveLength(1);
      expect(await eraseReferralByReference(stores, own.reference, '13812345678')).toBe(false);
      expect(await eraseReferralByReference(stores, own.reference, '+8613812345678')).toBe(true);
      expect((await stores.conversationLogs.since('own-conversation', 0)).activities).toHaveLength(0);
    } finally {
      await stores.close();
    }
  });
});
