import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type Conversation, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

/**
 * Issue 9, "natural answers": a whole pre-check answered the way people answer in their own words, in every
 * locale. Each answer is followed by exactly one message, the next question: no "sorry, I did not catch
 * that", no topic, nothing else.
 */
interface Persona {
  locale: Locale;
  channelLocale: string;
  /** [what the person types, the question that must come next] */
  answers: [string, string][];
}

const personas: Persona[] = [
  {
    locale: 'en',
    channelLocale: 'en-US',
    answers: [
      ['sixty-two', 'diagnosis'],
      ['yep', 'recurrent-or-metastatic'],
      ['yeah', 'anti-pd1'],
      ['keytruda', 'anti-pd1-progressed'],
      ['it stopped working', 'daily-activity'],
      ['sure', 'anti-vessel-medicine'],
      ['nah', 'bleeding'],
      ['nope', 'blood-pressure'],
      ['dunno', 'autoimmune'],
      ['no idea', 'pregnancy'],
    ],
  },
  {
    locale: 'zh-Hans',
    channelLocale: 'zh-CN',
    answers: [
      ['六十二岁', 'diagnosis'],
      ['是的', 'recurrent-or-metastatic'],
      ['对', 'anti-pd1'],
      ['用过卡瑞利珠单抗', 'anti-pd1-progressed'],
      ['没效果', 'daily-activity'],
      ['能', 'anti-vessel-medicine'],
      ['没用过', 'bleeding'],
      ['没有', 'blood-pressure'],
      ['好像有', 'autoimmune'],
      ['记不清了', 'pregnancy'],
    ],
  },
  {
    locale: 'zh-Hant',
    channelLocale: 'zh-HK',
    answers: [
      ['62歲', 'diagnosis'],
      ['係', 'recurrent-or-metastatic'],
      ['係呀', 'anti-pd1'],
      ['打過艾瑞卡', 'anti-pd1-progressed'],
      ['冇效', 'daily-activity'],
      ['可以', 'anti-vessel-medicine'],
      ['冇用過', 'bleeding'],
      ['冇', 'blood-pressure'],
      ['好似係', 'autoimmune'],
      ['唔記得', 'pregnancy'],
    ],
  },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe.each(personas)('natural answers to the pre-check ($locale)', (persona) => {
  const t = i18n.getFixedT(persona.locale);

  it('each answer in the person\'s own words is taken, and the next question follows as the only message', async () => {
    chat = await startConversation({ locale: persona.channelLocale });
    expect((await chat.say(t('common:menu.precheck'))).at(-1)?.text).toContain(t('common:role.prompt'));
    const opening = await chat.say(t('common:role.patient'));
    expect(opening.at(-1)?.text).toContain(t('precheck:questions.age.question'));
    for (const [typed, nextQuestion] of persona.answers) {
      const replies = await chat.say(typed);
      expect(replies, `after "${typed}"`).toHaveLength(1);
      expect(replies[0]?.text, `after "${typed}"`).toContain(t(`precheck:questions.${nextQuestion}.question`));
    }
  });
});

describe.each([
  ['en', 'en-US', 'yes, but what are the side effects?'],
  ['zh-Hans', 'zh-CN', '是的，不过有什么副作用？'],
  ['zh-Hant', 'zh-HK', '係，但係有咩副作用？'],
] as const)('an answer with a question after it (%s)', (locale, channelLocale, typed) => {
  const t = i18n.getFixedT(locale);

  it('records the answer and answers the question: the topic first, then the next question, nothing else', async () => {
    chat = await startConversation({ locale: channelLocale });
    await chat.say(t('common:menu.precheck'));
    await chat.say(t('common:role.patient'));
    await chat.say('56');
    const replies = await chat.say(typed);
    expect(replies).toHaveLength(2);
    expect(replies[0]?.text).toContain(t('topics:side-effects.title'));
    expect(replies[1]?.text).toContain(t('precheck:questions.recurrent-or-metastatic.question'));
  });
});
