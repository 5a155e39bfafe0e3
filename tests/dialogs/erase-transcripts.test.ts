import { afterEach, describe, expect, it } from 'vitest';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { allText, type Conversation, startConversation } from '../support/conversation-harness';

interface Script {
  channelLocale: string;
  locale: Locale;
  role: string;
  erase: string;
  yes: string;
  no: string;
}

const scripts: Script[] = [
  { channelLocale: 'en-GB', locale: 'en', role: 'I am family', erase: 'Delete my data', yes: 'yes', no: 'no' },
  { channelLocale: 'zh-SG', locale: 'zh-Hans', role: '我是家属', erase: '删除我的信息', yes: '好的', no: '不要' },
  { channelLocale: 'zh-TW', locale: 'zh-Hant', role: '我是家人', erase: '刪除我的資料', yes: '好', no: '唔好' },
];

const i18n = createTranslator(process.cwd());
const env = { MicrosoftAppType: 'MultiTenant' };

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe.each(scripts)('"delete my data" in $locale', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('asks first, and deletes nothing on no', async () => {
    chat = await startConversation({ locale: script.channelLocale, env });
    await chat.say(script.role);
    const question = await chat.say(script.erase);
    expect(question.at(-1)?.text).toBe(`${t('handoff:erase.question')}\n\n${t('handoff:erase.otherChats')}`);
    expect(question.at(-1)?.choices).toEqual([t('handoff:choice.yes'), t('handoff:choice.no')]);
    expect(allText(await chat.say(script.no))).toContain(t('handoff:erase.kept'));
    // The profile (language, who is asking) survived: the menu is still worded for a family member.
    const menu = (await chat.say('menu')).at(-1);
    expect(menu?.text).toBe(t('common:menu.prompt'));
    expect(menu?.choices).toContain(t('common:menu.precheck_family'));
  });

  it('on yes erases the saved answers and says there was no referral to delete', async () => {
    chat = await startConversation({ locale: script.channelLocale, env });
    await chat.say(script.role);
    await chat.say(script.erase);
    const done = allText(await chat.say(script.yes));
    expect(done).toContain(`${t('handoff:erase.doneNoReferral')}\n\n${t('handoff:erase.otherChatsRoute', { phone: chat.app.config.site.coordinator.phone })}`);
    // The old wording claimed there was nothing else to delete; another chat's request may still exist.
    expect(done).not.toMatch(/nothing else to delete|没有其他需要删除|沒有其他需要刪除/);
    expect(done).not.toContain(t('handoff:erase.alreadyDelivered', { phone: chat.app.config.site.coordinator.phone, email: chat.app.config.site.coordinator.email }));
    // The saved answers are gone: the menu no longer speaks of "the patient", and the pre-check asks who is asking again.
    const menu = (await chat.say('menu')).at(-1);
    expect(menu?.choices).toContain(t('common:menu.precheck'));
    expect(allText(await chat.say(t('common:menu.precheck')))).toContain(t('common:role.prompt'));
    const audit = await chat.stores.audit.list(10);
    expect(audit.map((entry) => entry.action)).toContain('conversation.erase');
  });
});
