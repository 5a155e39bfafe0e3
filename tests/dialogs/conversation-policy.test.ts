import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

/** Issue 9, "conversation policy": small talk answered in kind, out of scope said plainly, "中文" keeps the script. */
interface Script {
  locale: Locale;
  channelLocale: string;
  role: string;
  hello: string;
  thanks: string;
  robot: string;
  weather: string;
  precheck: string;
  /** A first message that is a question, with the topic that answers it. */
  firstQuestion: [string, string];
  /** A first message that asks to join. */
  canIJoin: string;
  /** "Is my 78-year-old father too old?" */
  tooOld: string;
}

const scripts: Script[] = [
  { locale: 'en', channelLocale: 'en-US', role: 'I am family', hello: 'hello there', thanks: 'thank you so much', robot: 'are you a robot', weather: "what's the weather like tomorrow", precheck: 'Might the patient qualify?', firstQuestion: ['what are the side effects of apatinib?', 'side-effects-apatinib'], canIJoin: 'can my dad join this study?', tooOld: 'my father is 78, is he too old to join?' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', role: '我是家属', hello: '你好', thanks: '谢谢你', robot: '你是机器人吗', weather: '明天天气怎么样', precheck: '患者可能符合条件吗？', firstQuestion: ['阿帕替尼有什么副作用？', 'side-effects-apatinib'], canIJoin: '我爸能参加吗？', tooOld: '我爸七十八岁了，还能参加吗？' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', role: '我是家人', hello: '哈囉', thanks: '唔該晒', robot: '你係咪機械人', weather: '聽日天氣點呀', precheck: '病人可能符合條件嗎？', firstQuestion: ['阿帕替尼有咩副作用？', 'side-effects-apatinib'], canIJoin: '我阿爸可唔可以參加？', tooOld: '我阿爸78歲，仲可唔可以參加？' },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const texts = (replies: BotReply[]) => replies.map((reply) => reply.text);

describe.each(scripts)('conversation policy ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  /** At the menu, having said "I am family" (confirmed in one line with the menu, worded for a family member). */
  async function atMenu(): Promise<{ conversation: Conversation; menu: BotReply }> {
    chat = await startConversation({ locale: script.channelLocale });
    const replies = await chat.say(script.role);
    expect(texts(replies)).toEqual([`${t('common:role.noted_family')}\n\n${t('common:menu.prompt')}`]);
    return { conversation: chat, menu: { text: t('common:menu.prompt'), choices: replies[0]?.choices ?? [] } };
  }

  it('small talk at the menu is answered in kind, then the menu again, and nothing else', async () => {
    const { conversation, menu } = await atMenu();
    expect(texts(await conversation.say(script.hello))).toEqual([t('common:smallTalk.greeting'), menu.text]);
    expect(texts(await conversation.say(script.thanks))).toEqual([t('common:smallTalk.thanks'), menu.text]);
    expect(texts(await conversation.say(script.robot))).toEqual([t('common:smallTalk.robot'), menu.text]);
  });

  it('a question that is not about the study gets "I can only help with this study", then the menu; never a topic', async () => {
    const { conversation, menu } = await atMenu();
    const replies = await conversation.say(script.weather);
    expect(texts(replies)).toEqual([t('common:ask.outOfScope'), menu.text]);
    expect(replies.at(-1)?.choices).toEqual(menu.choices);
  });

  it('a first message that is a question (no join event, as on WeChat or the connector) is greeted, answered, and then the menu: nobody asks who is asking', async () => {
    chat = await startConversation({ locale: script.channelLocale, greet: false });
    const site = chat.app.config.site;
    const [question, topic] = script.firstQuestion;
    const replies = texts(await chat.say(question));
    expect(replies).toHaveLength(4);
    expect(replies[0]).toBe(t('common:welcome.greeting', { siteName: site.siteName[script.locale] }));
    expect(replies[1]).toBe(t('common:welcome.notForEmergencies', { emergencyNumber: site.emergencyNumber }));
    expect(replies[2]).toContain(t(`topics:${topic}.title`));
    expect(replies[3]).toBe(t('common:menu.prompt'));
  });

  it('a first message asking to join for a father is greeted and starts the pre-check at once: the message said who is asking, so nobody asks', async () => {
    chat = await startConversation({ locale: script.channelLocale, greet: false });
    const site = chat.app.config.site;
    const replies = texts(await chat.say(script.canIJoin));
    const family = { total: 10, context: 'family' };
    expect(replies).toEqual([
      t('common:welcome.greeting', { siteName: site.siteName[script.locale] }),
      t('common:welcome.notForEmergencies', { emergencyNumber: site.emergencyNumber }),
      ['precheck:intro.what', 'precheck:intro.notDiagnosis', 'precheck:intro.howTo'].map((key) => t(key, family)).join('\n\n'),
      [
        t('common:role.noted_family'),
        t('precheck:progress', { number: 1, total: 10 }),
        t('precheck:questions.age.question', { context: 'family' }),
        t('precheck:questions.age.why', { min: 18, max: 75, context: 'family' }),
      ].join('\n\n'),
    ]);
    // The light confirmation is said once: the next question comes without it.
    const next = texts(await chat.say('62'));
    expect(next.join('\n')).not.toContain(t('common:role.noted_family'));
    expect(next.at(-1)).toContain(t('precheck:questions.diagnosis.question', { context: 'family' }));
  });

  it('"can my father join?" at the menu gets the short answer and the pre-check offered, then starts it', async () => {
    const { conversation } = await atMenu();
    const replies = await conversation.say(script.canIJoin);
    expect(texts(replies)).toEqual([t('precheck:canIJoin.short', { min: 18, max: 75 }), t('precheck:canIJoin.offer')]);
    expect(replies.at(-1)?.choices).toEqual([t('precheck:canIJoin.start'), t('common:nav.menu')]);
    const started = await conversation.say(t('precheck:canIJoin.start'));
    expect(started.at(-1)?.text).toContain(t('precheck:questions.age.question_family'));
  });

  it('an age in the question is used: 78 is outside 18 to 75, and only the study team can say for sure', async () => {
    const { conversation } = await atMenu();
    const replies = texts(await conversation.say(script.tooOld));
    expect(replies).toEqual([
      `${t('precheck:canIJoin.short', { min: 18, max: 75 })}\n\n${t('precheck:canIJoin.outside', { age: 78, min: 18, max: 75 })}`,
      t('precheck:canIJoin.offer'),
    ]);
  });

  it('small talk in the middle of the pre-check is answered, then the same question again', async () => {
    const { conversation } = await atMenu();
    const question = (await conversation.say(script.precheck)).at(-1)?.text ?? '';
    expect(question).toContain(t('precheck:questions.age.question_family'));
    const replies = await conversation.say(script.thanks);
    expect(texts(replies)).toEqual([t('common:smallTalk.thanks'), question]);
  });
});

describe('"中文" never changes the script of a Chinese conversation', () => {
  it.each([
    ['zh-HK', 'zh-Hant'],
    ['zh-CN', 'zh-Hans'],
  ] as const)('in a %s conversation "中文" keeps %s; 简体 and 繁體 do switch', async (channelLocale, locale) => {
    chat = await startConversation({ locale: channelLocale });
    await chat.say(locale === 'zh-Hant' ? '我是家人' : '我是家属');
    const replies = await chat.say('中文');
    expect(replies[0]?.text).toBe(i18n.getFixedT(locale)('common:language.changed'));
    expect(replies.at(-1)?.text).toBe(i18n.getFixedT(locale)('common:menu.prompt'));
    const other = locale === 'zh-Hant' ? 'zh-Hans' : 'zh-Hant';
    const switched = await chat.say(other === 'zh-Hans' ? '简体' : '繁體');
    expect(switched.at(-1)?.text).toBe(i18n.getFixedT(other)('common:menu.prompt'));
  });

  it('in an English conversation "中文" switches to Simplified Chinese', async () => {
    chat = await startConversation({ locale: 'en-US' });
    await chat.say('I am family');
    const replies = await chat.say('中文');
    expect(replies.at(-1)?.text).toBe(i18n.getFixedT('zh-Hans')('common:menu.prompt'));
  });
});
