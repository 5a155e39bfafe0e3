import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type Conversation, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

/**
 * What interpretTurn decides reaches the dialogs as typed results: a question typed where a parser waits is asked,
 * not parsed ("what is PD-1?" is not "had one"); small talk at a topic is answered and the topic stays.
 */
interface Script {
  locale: Locale;
  channelLocale: string;
  role: string;
  precheck: string;
  yes: string;
  whatIsPd1: string;
  topicQuestion: [string, string];
  thanks: string;
}

const scripts: Script[] = [
  { locale: 'en', channelLocale: 'en-US', role: 'I am the patient', precheck: 'Might I qualify?', yes: 'yes', whatIsPd1: 'what is PD-1?', topicQuestion: ['what are the side effects of apatinib?', 'side-effects-apatinib'], thanks: 'thank you so much' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', role: '我是病人', precheck: '初步自查', yes: '是', whatIsPd1: 'PD-1是什么？', topicQuestion: ['阿帕替尼有什么副作用？', 'side-effects-apatinib'], thanks: '谢谢你' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', role: '我係病人', precheck: '初步自查', yes: '係', whatIsPd1: 'PD-1係咩嚟㗎？', topicQuestion: ['阿帕替尼有咩副作用？', 'side-effects-apatinib'], thanks: '唔該晒' },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe.each(scripts)('typed results ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('"what is PD-1?" at "which immunotherapy?" is answered with its topic, then the same question; never recorded as "had one"', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.precheck);
    await chat.say(script.role);
    await chat.say('62');
    await chat.say(script.yes);
    const medicineQuestion = (await chat.say(script.yes)).at(-1);
    expect(medicineQuestion?.text).toContain(t('precheck:questions.anti-pd1.question'));
    const replies = await chat.say(script.whatIsPd1);
    expect(replies).toEqual([{ text: `${t('topics:term-pd-1.title')}\n\n${t('topics:term-pd-1.answer')}`, choices: [] }, medicineQuestion]);
  });

  it('small talk at a topic is answered in kind and the topic with its choices follows, as the last message', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    const [question, topic] = script.topicQuestion;
    const shown = (await chat.say(question)).at(-1);
    expect(shown?.text).toContain(t(`topics:${topic}.title`));
    const replies = await chat.say(script.thanks);
    expect(replies).toEqual([{ text: t('common:smallTalk.thanks'), choices: [] }, shown]);
  });
});
