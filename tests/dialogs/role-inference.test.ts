import { afterEach, describe, expect, it } from 'vitest';
import { roleMentioned } from '../../dialogs/shared/role-words';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

describe('who is asking, from the words of the message (content/roles.json)', () => {
  it.each([
    'can my father join?',
    'My dad is 62',
    'is it ok for my mum',
    "what about my husband's blood pressure",
    'I am asking for my wife',
    'My Mother has NPC',
    '我爸能参加吗',
    '我妈用过PD-1',
    '我阿爸可唔可以參加',
    '我老公七十岁',
    '替我老婆问一下',
    '我先生有鼻咽癌',
    '家父今年六十',
    '老豆食咗藥',
    '阿媽有冇得參加',
  ])('"%s" says a family member is asking', (text) => {
    expect(roleMentioned(text)).toBe('family');
  });

  it.each(['I am the patient', 'can I join?', 'my doctor said I should ask', 'father of three here', 'grandmother', '我是病人', '我能参加吗', '爸爸', '我係病人'])('"%s" does not say', (text) => {
    expect(roleMentioned(text)).toBeUndefined();
  });
});

interface Script {
  locale: Locale;
  channelLocale: string;
  canMyFatherJoin: string;
  /** A question without a family word, and its topic. */
  question: [string, string];
  patient: string;
}

const scripts: Script[] = [
  { locale: 'en', channelLocale: 'en-US', canMyFatherJoin: 'can my father join this study?', question: ['what are the side effects of apatinib?', 'side-effects-apatinib'], patient: 'I am the patient' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', canMyFatherJoin: '我爸能参加这个研究吗？', question: ['阿帕替尼有什么副作用？', 'side-effects-apatinib'], patient: '我是病人' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', canMyFatherJoin: '我阿爸可唔可以參加？', question: ['阿帕替尼有咩副作用？', 'side-effects-apatinib'], patient: '我係病人' },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const texts = (replies: BotReply[]) => replies.map((reply) => reply.text);

describe.each(scripts)('never blocked on "who is asking?" ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('"can my father join?" at the menu is answered, the role taken from it and confirmed in one line; the pre-check then asks nobody', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    expect(chat.opening.at(-1)?.text).toBe(t('common:menu.prompt'));
    const replies = await chat.say(script.canMyFatherJoin);
    expect(texts(replies)).toEqual([t('precheck:canIJoin.short', { min: 18, max: 75 }), `${t('common:role.noted_family')}\n\n${t('precheck:canIJoin.offer')}`]);
    expect(replies.at(-1)?.choices).toEqual([t('precheck:canIJoin.start'), t('common:nav.menu')]);
    // The pre-check speaks of "the patient" at once: "Who is asking?" is not asked.
    const started = texts(await chat.say(t('precheck:canIJoin.start')));
    expect(started.at(-1)).toContain(t('precheck:questions.age.question', { context: 'family' }));
    expect(started.join('\n')).not.toContain(t('common:role.prompt'));
  });

  it('a question without such words at the menu is answered, the role stays unknown, and the pre-check asks it', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    const [question, topic] = script.question;
    const replies = texts(await chat.say(question));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(t(`topics:${topic}.title`));
    expect(replies[0]).not.toContain(t('common:role.noted_family'));
    await chat.say(t('common:nav.menu'));
    expect(texts(await chat.say(t('common:menu.precheck')))).toEqual([`${t('common:role.prompt')}\n\n${t('common:role.why')}`]);
  });

  it('a role the person gave is never overwritten by words in a later question', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    expect(texts(await chat.say(script.patient))).toEqual([`${t('common:role.noted_patient')}\n\n${t('common:menu.prompt')}`]);
    const replies = texts(await chat.say(script.canMyFatherJoin));
    expect(replies).toEqual([t('precheck:canIJoin.short', { min: 18, max: 75 }), t('precheck:canIJoin.offer')]);
    const started = texts(await chat.say(t('precheck:canIJoin.start')));
    expect(started.at(-1)).toContain(t('precheck:questions.age.question'));
    expect(started.at(-1)).not.toContain(t('precheck:questions.age.question', { context: 'family' }));
  });
});
