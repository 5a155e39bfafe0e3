import { afterEach, describe, expect, it } from 'vitest';
import { roleStated } from '../../dialogs/shared/role-words';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, startConversation } from '../support/conversation-harness';

/**
 * Issue 9, "never block on who is asking": nobody is asked after the greeting; the pre-check and the hand-off ask
 * only when they need it and nobody has said; "I'm the patient" / "no, I am asking for my mother" corrects the role
 * at any point, in one short line before the open question again.
 */
const i18n = createTranslator(projectRoot);

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const texts = (replies: BotReply[]) => replies.map((reply) => reply.text);

describe('whole messages that say who is asking (content/roles.json, statements)', () => {
  it.each([
    ['I am the patient', 'patient'],
    ["I'm the patient.", 'patient'],
    ['no, I am the patient', 'patient'],
    ['Actually it is for me', 'patient'],
    ['我就是病人', 'patient'],
    ['不是，我是患者本人', 'patient'],
    ['我係病人', 'patient'],
    ['我就係病人嚟㗎', 'patient'],
    ['No, I am asking for my mother', 'family'],
    ["it's for my dad", 'family'],
    ['my daughter', 'family'],
    ['我是家属', 'family'],
    ['我是替我爸问的', 'family'],
    ['不是我，是我妈', 'family'],
    ['我係屋企人', 'family'],
    ['幫阿媽問', 'family'],
    ["I'm a carer", 'other'],
    ['我是替朋友问的', 'other'],
    ['我係照顧者', 'other'],
  ] as const)('"%s" says: %s', (text, role) => {
    expect(roleStated(text)).toBe(role);
  });

  it.each(['can my father join?', 'I am not the patient', '我不是病人', '不是我自己', 'is the patient me?', 'how old is the patient', 'yes', '1', 'my father is 78, is he too old?', '我爸能参加吗'])('"%s" is not a statement of who is asking', (text) => {
    expect(roleStated(text)).toBeUndefined();
  });
});

interface Script {
  locale: Locale;
  channelLocale: string;
  /** Typed answers to "Who is asking?" at the start of the pre-check, and the role each gives. */
  typedPatient: string;
  typedFamily: string;
  /** A question typed at "Who is asking?", with its topic. */
  question: [string, string];
  /** A question that says who is asking. */
  canMyFatherJoin: string;
  /** Corrections typed in the middle of the pre-check. */
  imThePatient: string;
  forMyMother: string;
  /** "Yes" to the hand-off's consent, and to a pre-check question. */
  yes: string;
  yesToQuestion: string;
  name: string;
  back: string;
  skip: string;
}

const scripts: Script[] = [
  { locale: 'en', channelLocale: 'en-US', typedPatient: "I'm the patient", typedFamily: 'my daughter', question: ['what are the side effects of apatinib?', 'side-effects-apatinib'], canMyFatherJoin: 'can my father join this study?', imThePatient: "I'm the patient", forMyMother: 'no, I am asking for my mother', yes: 'yes', yesToQuestion: 'yes', name: 'Ms Chen', back: 'back', skip: 'skip' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', typedPatient: '我是病人', typedFamily: '我是家属', question: ['阿帕替尼有什么副作用？', 'side-effects-apatinib'], canMyFatherJoin: '我爸能参加这个研究吗？', imThePatient: '我就是病人', forMyMother: '不是，我是替我妈问的', yes: '同意', yesToQuestion: '是', name: '陈女士', back: '上一步', skip: '跳过' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', typedPatient: '我係病人', typedFamily: '屋企人', question: ['阿帕替尼有咩副作用？', 'side-effects-apatinib'], canMyFatherJoin: '我阿爸可唔可以參加？', imThePatient: '我就係病人', forMyMother: '唔係，我係幫阿媽問', yes: '同意', yesToQuestion: '係', name: '陳小姐', back: '返回', skip: '跳過' },
];

describe.each(scripts)('who is asking, only when it is needed ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);
  const menuChoices = (context?: string) => [t('common:menu.about'), t('common:menu.precheck', { context }), t('common:menu.handoff'), t('common:menu.ask')];
  const roleChoices = [t('common:role.patient'), t('common:role.family'), t('common:role.other')];
  const roleQuestion = `${t('common:role.prompt')}\n\n${t('common:role.why')}`;
  const intro = (context?: string) => ['precheck:intro.what', 'precheck:intro.notDiagnosis', 'precheck:intro.howTo'].map((key) => t(key, { total: 10, context })).join('\n\n');
  const ageQuestion = (context?: string) => [t('precheck:progress', { number: 1, total: 10 }), t('precheck:questions.age.question', { context }), t('precheck:questions.age.why', { min: 18, max: 75, context })].join('\n\n');

  async function atPrecheckRoleQuestion(): Promise<Conversation> {
    chat = await startConversation({ locale: script.channelLocale });
    const replies = await chat.say(t('common:menu.precheck'));
    expect(texts(replies)).toEqual([roleQuestion]);
    expect(replies[0]?.choices).toEqual(roleChoices);
    return chat;
  }

  it('on join: the greeting, then the menu at once; nobody is asked who is asking', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    const site = chat.app.config.site;
    expect(texts(chat.opening)).toEqual([
      t('common:welcome.greeting', { siteName: site.siteName[script.locale] }),
      t('common:welcome.notForEmergencies', { emergencyNumber: site.emergencyNumber }),
      t('common:menu.prompt'),
    ]);
    expect(chat.opening.at(-1)?.choices).toEqual(menuChoices());
  });

  it('the pre-check asks who is asking first; "1" (the patient) starts it worded for the patient', async () => {
    const conversation = await atPrecheckRoleQuestion();
    expect(texts(await conversation.say('1'))).toEqual([intro(), ageQuestion()]);
  });

  it(`the pre-check's "Who is asking?" takes typed answers: "${script.typedFamily}" starts it worded for a family member`, async () => {
    const conversation = await atPrecheckRoleQuestion();
    expect(texts(await conversation.say(script.typedFamily))).toEqual([intro('family'), ageQuestion('family')]);
  });

  it(`"${script.typedPatient}" at the pre-check's "Who is asking?" starts it worded for the patient, and it is not asked again`, async () => {
    const conversation = await atPrecheckRoleQuestion();
    expect(texts(await conversation.say(script.typedPatient))).toEqual([intro(), ageQuestion()]);
    await conversation.say(t('common:nav.menu'));
    expect(texts(await conversation.say(t('common:menu.precheck')))).toEqual([intro(), ageQuestion()]);
  });

  it('a question typed at "Who is asking?" is answered, then the same question again as one message; "back" returns to the menu', async () => {
    const conversation = await atPrecheckRoleQuestion();
    const [question, topic] = script.question;
    const replies = texts(await conversation.say(question));
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain(t(`topics:${topic}.title`));
    expect(replies[1]).toBe(roleQuestion);
    const back = await conversation.say(script.back);
    expect(texts(back)).toEqual([t('common:menu.prompt')]);
    expect(back[0]?.choices).toEqual(menuChoices());
  });

  it('a question at "Who is asking?" that says who is asking ("can my father join?") goes on: the pre-check starts, worded for the family', async () => {
    const conversation = await atPrecheckRoleQuestion();
    expect(texts(await conversation.say(script.canMyFatherJoin))).toEqual([intro('family'), `${t('common:role.noted_family')}\n\n${ageQuestion('family')}`]);
  });

  it('a role said at the menu is confirmed in one line with the menu, and the pre-check then asks nothing', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    const replies = await chat.say(script.typedFamily);
    expect(texts(replies)).toEqual([`${t('common:role.noted_family')}\n\n${t('common:menu.prompt')}`]);
    expect(replies[0]?.choices).toEqual(menuChoices('family'));
    expect(texts(await chat.say(t('common:menu.precheck', { context: 'family' })))).toEqual([intro('family'), ageQuestion('family')]);
  });

  it('a wrong role is corrected mid-question without starting over: the line, then the same question in the new wording', async () => {
    const conversation = await atPrecheckRoleQuestion();
    await conversation.say(script.typedFamily);
    expect(texts(await conversation.say(script.imThePatient))).toEqual([`${t('common:role.noted_patient')}\n\n${ageQuestion()}`]);
    expect(texts(await conversation.say('62'))).toEqual([[t('precheck:progress', { number: 2, total: 10 }), t('precheck:questions.diagnosis.question'), t('precheck:questions.diagnosis.why')].join('\n\n')]);
    const corrected = await conversation.say(script.forMyMother);
    expect(texts(corrected)).toEqual([
      [t('common:role.noted_family'), t('precheck:progress', { number: 2, total: 10 }), t('precheck:questions.diagnosis.question', { context: 'family' }), t('precheck:questions.diagnosis.why', { context: 'family' })].join('\n\n'),
    ]);
    // "no, …" was not taken as the answer "no": the same question is still open, and "yes" answers it.
    expect(texts(await conversation.say(script.yesToQuestion)).at(-1)).toContain(t('precheck:questions.recurrent-or-metastatic.question', { context: 'family' }));
  });

  it('the hand-off asks "Who are you to the patient?" after consent, first of the details, and reads the answer back', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(t('common:menu.handoff'));
    const asked = await chat.say(script.yes);
    expect(texts(asked)).toEqual([t('handoff:ask.relationship')]);
    expect(asked[0]?.choices).toEqual(roleChoices);
    expect(texts(await chat.say('2'))).toEqual([t('handoff:ask.name')]);
    expect(texts(await chat.say(script.name))).toEqual([t('handoff:ask.phone')]);
    await chat.say('13812345678');
    await chat.say(script.skip);
    await chat.say('1');
    const readBack = texts(await chat.say('1'));
    expect(readBack[0]).toContain(t('handoff:review.line', { label: t('handoff:item.relationship'), value: t('handoff:value.relationship.family') }));
  });

  it('the hand-off does not ask who is asking when the person said so, and a correction mid-way is what is read back', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.typedPatient);
    await chat.say(t('common:menu.handoff'));
    expect(texts(await chat.say(script.yes))).toEqual([t('handoff:ask.name')]);
    expect(texts(await chat.say(script.forMyMother))).toEqual([`${t('common:role.noted_family')}\n\n${t('handoff:ask.name')}`]);
    await chat.say(script.name);
    await chat.say('13812345678');
    await chat.say(script.skip);
    await chat.say('1');
    const readBack = texts(await chat.say('1'));
    expect(readBack[0]).toContain(t('handoff:review.line', { label: t('handoff:item.relationship'), value: t('handoff:value.relationship.family') }));
  });
});

describe('on WeChat the role question is numbered, and a typed number answers it', () => {
  it('zh-Hans: the pre-check asks who is asking with numbered choices; "2" starts it worded for a family member', async () => {
    const t = i18n.getFixedT('zh-Hans');
    chat = await startConversation({ locale: 'zh-CN', channelId: 'wechat' });
    const asked = await chat.click(t('common:menu.precheck'), { command: 'precheck' });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.text).toContain(t('common:role.prompt'));
    expect(asked[0]?.choices).toEqual([t('common:role.patient'), t('common:role.family'), t('common:role.other')]);
    const started = texts(await chat.say('2'));
    expect(started.at(-1)).toContain(t('precheck:questions.age.question', { context: 'family' }));
  });
});
