import path from 'node:path';
import type { TFunction } from 'i18next';
import { afterEach, describe, expect, it } from 'vitest';
import { handoffConsentVersion } from '../../dialogs/handoff/handoff-dialog';
import { sqliteFileName } from '../../src/storage/embedded/sqlite-database';
import { createTranslator } from '../../src/i18n/translator';
import type { Locale } from '../../src/i18n/locales';
import { allText, type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';
import { openSqliteConnection } from '../../src/storage/embedded/sqlite-driver';

/** What one person types, in one language, through the hand-off. Every answer is typed, none is a button number. */
interface Script {
  channelLocale: string;
  locale: Locale;
  role: string;
  relationship: 'self' | 'family';
  handoff: string;
  consentYes: string;
  consentNo: string;
  name: string;
  invalidPhone: string;
  phone: string;
  phoneShown: string;
  changedPhone: string;
  changedE164: string;
  changedPhoneShown: string;
  skipEmail: string;
  bestTime: string;
  language: string;
  languageId: string;
  send: string;
  change: string;
  phoneItem: string;
  erase: string;
  eraseYes: string;
  checkReferral: string;
  tryAgain: string;
  /** How this person types the reference back. */
  typeReference: (reference: string) => string;
}

/** What a Chinese input method in full-width mode produces. */
function fullWidth(text: string): string {
  return text.replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0));
}

const scripts: Script[] = [
  {
    channelLocale: 'en-US',
    locale: 'en',
    role: 'I am the patient',
    relationship: 'self',
    handoff: 'talk to a person',
    consentYes: 'yes',
    consentNo: 'no thanks',
    name: 'Ms Chen',
    invalidPhone: '12345',
    phone: '138 1234 5678',
    phoneShown: '+86 138 1234 5678',
    changedPhone: '+852 9123 4567',
    changedE164: '+85291234567',
    changedPhoneShown: '+852 9123 4567',
    skipEmail: 'skip',
    bestTime: 'after 6 pm',
    language: 'Mandarin',
    languageId: 'mandarin',
    send: 'yes',
    change: 'change',
    phoneItem: 'phone',
    erase: 'delete my data',
    eraseYes: 'yes',
    checkReferral: 'check my referral',
    tryAgain: 'try again',
    typeReference: (reference) => reference.replace('-', '').toLowerCase(),
  },
  {
    channelLocale: 'zh-CN',
    locale: 'zh-Hans',
    role: '我是患者',
    relationship: 'self',
    handoff: '转人工',
    consentYes: '同意',
    consentNo: '不同意',
    name: '陈女士',
    invalidPhone: '138123',
    phone: '我的电话是13812345678',
    phoneShown: '+86 138 1234 5678',
    changedPhone: '020 8888 8888',
    changedE164: '+862088888888',
    changedPhoneShown: '+86 20 8888 8888',
    skipEmail: '跳过',
    bestTime: '周末下午',
    language: '国语',
    languageId: 'mandarin',
    send: '对',
    change: '修改',
    phoneItem: '电话',
    erase: '删除我的信息',
    eraseYes: '是的',
    checkReferral: '查询转介',
    tryAgain: '再试一次',
    typeReference: (reference) => fullWidth(reference),
  },
  {
    channelLocale: 'zh-HK',
    locale: 'zh-Hant',
    role: '我是家人',
    relationship: 'family',
    handoff: '轉人工',
    consentYes: '係',
    consentNo: '唔同意',
    name: '黃先生',
    invalidPhone: '1234 567',
    phone: '9123 4567',
    phoneShown: '+852 9123 4567',
    changedPhone: '0912 345 678',
    changedE164: '+886912345678',
    changedPhoneShown: '+886 912 345 678',
    skipEmail: '略過',
    bestTime: '放工後',
    language: '粵語',
    languageId: 'cantonese',
    send: '正確',
    change: '改',
    phoneItem: '電話',
    erase: '刪除我的資料',
    eraseYes: '係',
    checkReferral: '查詢轉介',
    tryAgain: '重試',
    typeReference: (reference) => ` ${reference.slice(0, 5).toLowerCase()} ${reference.slice(5)} `,
  },
];

const i18n = createTranslator(process.cwd());
const referencePattern = /TG-[2-9A-HJKMNP-Z]{5}/;

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

/** A webhook sink is configured (never started: the app is built, not started) so every referral queues a notification. */
const sinkEnv = { MicrosoftAppType: 'MultiTenant', HANDOFF_WEBHOOK_URL: 'http://127.0.0.1:9/referrals', HANDOFF_WEBHOOK_SECRET: 'transcript-test-secret-0123456789' };

async function open(script: Script): Promise<Conversation> {
  chat = await startConversation({ locale: script.channelLocale, env: sinkEnv });
  return chat;
}

/** Asks for the study team: the consent question comes back (nobody has said who is asking yet). */
async function reachConsent(conversation: Conversation, script: Script): Promise<BotReply[]> {
  return conversation.say(script.handoff);
}

/** Consent, every detail typed, read-back, send. Returns the reference the person is shown. */
async function completeHandoff(conversation: Conversation, script: Script): Promise<string> {
  await reachConsent(conversation, script);
  for (const answer of [script.consentYes, script.role, script.name, script.phone, script.skipEmail, script.bestTime, script.language]) await conversation.say(answer);
  const confirmation = allText(await conversation.say(script.send));
  const reference = referencePattern.exec(confirmation)?.[0];
  if (!reference) throw new Error(`no reference in: ${confirmation}`);
  return reference;
}

function lastText(replies: BotReply[]): string {
  return replies.at(-1)?.text ?? '';
}

describe.each(scripts)('hand-off in $locale', (script) => {
  const t: TFunction = i18n.getFixedT(script.locale);

  it('explains, asks consent, collects typed answers, re-asks an invalid phone, lets the person change it, and stores the referral', async () => {
    const conversation = await open(script);
    const site = conversation.app.config.site;

    const consent = await reachConsent(conversation, script);
    const consentText = allText(consent);
    expect(consentText).toContain(t('handoff:consent.whoWhyHowLong', { siteName: site.siteName[script.locale], retentionDays: 180 }));
    // The whole truth BEFORE consent: who "we" is, the notice without contact details, what the chat keeps and
    // for how long, and that "delete my data" cannot delete the study team's copy.
    expect(consentText).toContain(site.siteName[script.locale]);
    expect(consentText).toContain(t('handoff:consent.notice'));
    expect(consentText).toContain(t('handoff:consent.chatKept', { chatStateDays: 30 }));
    expect(consentText).toContain(t('handoff:consent.deleteLimits'));
    expect(consentText).toMatch({ en: /email, Teams or WeCom/, 'zh-Hans': /电子邮件、Teams或企业微信/, 'zh-Hant': /電子郵件、Teams或企業微信/ }[script.locale]);
    expect(consentText).toMatch({ en: /30 days/, 'zh-Hans': /30天/, 'zh-Hant': /30天/ }[script.locale]);
    expect(consentText).toMatch({ en: /cannot delete a copy the study team already has/, 'zh-Hans': /不能删除研究团队已经收到的副本/, 'zh-Hant': /不能刪除研究團隊已經收到的副本/ }[script.locale]);
    expect(lastText(consent)).toContain(t('handoff:consent.question'));
    expect(consent.at(-1)?.choices).toEqual([t('handoff:choice.yes'), t('handoff:choice.no')]);

    // Who is asking goes to the study team ("Who you are"): asked first of the details, as nobody has said.
    const relationship = await expectTurn(conversation, script.consentYes, [t('handoff:ask.relationship')]);
    expect(relationship.at(-1)?.choices).toEqual([t('common:role.patient'), t('common:role.family'), t('common:role.other')]);
    await expectTurn(conversation, script.role, [t('handoff:ask.name')]);
    await expectTurn(conversation, script.name, [t('handoff:ask.phone')]);
    const reasked = lastText(await conversation.say(script.invalidPhone));
    expect(reasked).toContain(t('handoff:ask.phoneRetry'));
    expect(reasked).toContain(t('handoff:ask.phone'));
    await expectTurn(conversation, script.phone, [t('handoff:ask.email')]);
    const bestTime = await conversation.say(script.skipEmail);
    expect(lastText(bestTime)).toBe(t('handoff:ask.bestTime'));
    expect(bestTime.at(-1)?.choices).toEqual(['morning', 'afternoon', 'evening', 'any'].map((preset) => t(`handoff:bestTime.${preset}`)));
    await expectTurn(conversation, script.bestTime, [t('handoff:ask.language')]);

    // The read-back shows values in words ("Language for the call: Cantonese", "Who you are: a family member"),
    // never the labels of the buttons that chose them ("Speak Cantonese").
    const readBackReplies = await conversation.say(script.language);
    const line = (item: string, value: string) => t('handoff:review.line', { label: t(`handoff:item.${item}`), value });
    expect(readBackReplies.map((reply) => reply.text)).toEqual([
      [
        t('handoff:review.heading'),
        line('name', script.name),
        line('phone', script.phoneShown),
        line('email', t('handoff:review.noEmail')),
        line('bestTime', script.bestTime),
        line('language', t(`handoff:value.language.${script.languageId}`)),
        line('relationship', t(`handoff:value.relationship.${script.relationship}`)),
      ].join('\n'),
      t('handoff:review.question'),
    ]);
    const readBack = allText(readBackReplies);
    expect(readBack).not.toContain(t(`handoff:language.${script.languageId}`));
    expect(readBack).toContain({ en: 'Who you are: the patient', 'zh-Hans': '与患者的关系：患者本人', 'zh-Hant': '與患者的關係：家人' }[script.locale]);
    expect(readBack).toContain({ en: 'Language for the call: Mandarin', 'zh-Hans': '通话语言：普通话', 'zh-Hant': '通話語言：廣東話' }[script.locale]);
    // Nothing is stored before the person confirms the read-back.
    expect((await conversation.stores.referrals.list({ limit: 10 })).items).toHaveLength(0);

    const which = await conversation.say(script.change);
    expect(lastText(which)).toBe(t('handoff:review.whichItem'));
    expect(which.at(-1)?.choices).toContain(t('handoff:item.phone'));
    await expectTurn(conversation, script.phoneItem, [t('handoff:ask.phone')]);
    const changedReadBack = allText(await conversation.say(script.changedPhone));
    expect(changedReadBack).toContain(t('handoff:review.line', { label: t('handoff:item.phone'), value: script.changedPhoneShown }));
    expect(changedReadBack).toContain(t('handoff:review.line', { label: t('handoff:item.name'), value: script.name }));

    const confirmation = allText(await conversation.say(script.send));
    const reference = referencePattern.exec(confirmation)?.[0];
    expect(reference).toBeDefined();
    expect(confirmation).toContain(t('handoff:confirmed.thanks', { name: script.name, reference }));
    expect(confirmation).toContain(t('handoff:confirmed.callbackMany', { days: site.callbackWithinWorkingDays, hours: site.coordinator.hours[script.locale] }));
    // While waiting for the call: what to do if bleeding, blood pressure or a side effect is happening now.
    expect(confirmation).toContain(t('handoff:confirmed.whileYouWait', { emergencyNumber: site.emergencyNumber }));
    expect(confirmation).toMatch({ en: /happening now.*Call 120/s, 'zh-Hans': /现在正在出血.*拨打120/s, 'zh-Hant': /現在正在出血.*撥打120/s }[script.locale]);

    const { items } = await conversation.stores.referrals.list({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]?.reference).toBe(reference);
    const stored = await conversation.stores.referrals.get(items[0]?.id ?? '');
    expect(stored?.contact).toEqual({ name: script.name, phone: script.changedE164, bestTime: script.bestTime, preferredLanguage: script.languageId, relationship: script.relationship });
    expect(stored).toMatchObject({ channel: 'directline', locale: script.locale, consentVersion: handoffConsentVersion, status: 'new' });
    expect(stored?.precheck).toBeUndefined();

    const logs = conversation.logLines.join('\n');
    for (const secret of [script.changedE164, script.changedE164.slice(4), script.name]) expect(logs).not.toContain(secret);
  });

  it('without consent stores nothing and gives the study team’s public phone, email and hours', async () => {
    const conversation = await open(script);
    const { coordinator } = conversation.app.config.site;
    await reachConsent(conversation, script);
    const declined = allText(await conversation.say(script.consentNo));
    expect(declined).toContain(t('handoff:consent.declined', { chatStateDays: 30 }));
    // Nothing went to the study team, but the chat does keep answers: no "we have not saved anything".
    expect(declined).not.toMatch(/not saved anything|没有保存任何|沒有保存任何/);
    expect(declined).toContain(t('handoff:publicContact', { phone: coordinator.phone, email: coordinator.email, hours: coordinator.hours[script.locale] }));
    expect(declined).not.toContain(t('handoff:ask.name'));
    expect((await conversation.stores.referrals.list({ limit: 10 })).items).toHaveLength(0);
  });

  it('shows a referral’s status by its reference, however it is typed, then erases it on request', async () => {
    const conversation = await open(script);
    const reference = await completeHandoff(conversation, script);
    const summary = await conversation.stores.referrals.getByReference(reference);
    expect(await conversation.stores.outbox.countPending()).toBe(1);
    await conversation.stores.referrals.update(summary?.id ?? '', { status: 'screening' }, new Date('2026-11-03T04:00:00Z'));

    await expectTurn(conversation, script.checkReferral, [t('handoff:check.prompt')]);
    expect(lastText(await conversation.say('no idea'))).toContain(t('handoff:check.retry'));
    const status = allText(await conversation.say(script.typeReference(reference)));
    expect(status).toContain(t('handoff:check.statuses.screening'));
    expect(status).toContain(reference);
    expect(status).toMatch(/2026/);
    expect(status).not.toContain(script.name);

    await conversation.say(script.checkReferral);
    const unknown = allText(await conversation.say('TG-22222'));
    expect(unknown).toContain(t('handoff:check.notFound', { reference: 'TG-22222' }));

    const question = await conversation.say(script.erase);
    expect(lastText(question)).toContain(t('handoff:erase.question'));
    const erased = allText(await conversation.say(script.eraseYes));
    expect(erased).toContain(t('handoff:erase.doneOneReferral'));
    expect(await conversation.stores.referrals.getByReference(reference)).toBeUndefined();
    expect((await conversation.stores.referrals.list({ limit: 10 })).items).toHaveLength(0);
    expect(await conversation.stores.outbox.countPending()).toBe(0);
  });

  it('never confirms when the referral cannot be stored, gives the public phone, and stores it on retry', async () => {
    const conversation = await open(script);
    const { coordinator } = conversation.app.config.site;
    await reachConsent(conversation, script);
    for (const answer of [script.consentYes, script.role, script.name, script.phone, script.skipEmail, script.bestTime, script.language]) await conversation.say(answer);

    // A second connection to the same SQLite file takes the referrals table away; bot state still works.
    const database = openSqliteConnection(path.join(conversation.app.config.env.DATA_DIR, sqliteFileName));
    try {
      database.exec('ALTER TABLE referrals RENAME TO referrals_away');
      const failed = allText(await conversation.say(script.send));
      expect(failed).toContain(t('handoff:saveFailed.message'));
      expect(failed).toContain(t('handoff:publicContact', { phone: coordinator.phone, email: coordinator.email, hours: coordinator.hours[script.locale] }));
      expect(failed).not.toMatch(referencePattern);
      // The thank-you names the person; the failure message must not.
      expect(failed).not.toContain(script.name);
      database.exec('ALTER TABLE referrals_away RENAME TO referrals');
    } finally {
      database.close();
    }

    const retried = allText(await conversation.say(script.tryAgain));
    const reference = referencePattern.exec(retried)?.[0];
    expect(reference).toBeDefined();
    expect(await conversation.stores.referrals.getByReference(reference ?? '')).toMatchObject({ reference, status: 'new' });
  });
});
