import type { TFunction } from 'i18next';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCheckedOn } from '../../dialogs/topics/topic-params';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { allText, type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

/**
 * The pre-check as a person sees it, in every language: the real bot, typed answers and button taps, every
 * outcome, a question asked mid-way, back, restart and menu.
 */
const i18n = createTranslator(projectRoot);
const channelLocales: Record<Locale, string> = { en: 'en-US', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW' };
const TOTAL = 10;

/** What people type, per language. */
interface Typed {
  age: string;
  oldAge: string;
  medicine: string;
  neverHadOne: string;
  yes: string;
  no: string;
  unsure: [string, string];
  sentenceWithNumber: string;
  midQuestion: string;
  midTopic: string;
  back: string;
  restart: string;
  /** "Immunotherapy" / "immune shots" without a medicine name: may be thymalfasin, so "not sure". */
  immuneOnly: string;
}

const typed: Record<Locale, Typed> = {
  en: {
    age: "I'm 56",
    oldAge: '80 years old',
    medicine: 'Keytruda',
    neverHadOne: 'never had immunotherapy',
    yes: 'yeah',
    no: 'nope',
    unsure: ['not sure', "I don't know"],
    sentenceWithNumber: 'I had 2 lines of chemo',
    midQuestion: 'What are the side effects of apatinib?',
    midTopic: 'side-effects-apatinib',
    back: 'back',
    restart: 'restart',
    immuneOnly: 'yes, immunotherapy',
  },
  'zh-Hans': {
    age: '五十六',
    oldAge: '八十岁',
    medicine: '卡瑞利珠单抗',
    neverHadOne: '没用过PD-1',
    yes: '是',
    no: '没有',
    unsure: ['不知道', '不确定'],
    sentenceWithNumber: '做过2次化疗',
    midQuestion: '阿帕替尼有什么副作用？',
    midTopic: 'side-effects-apatinib',
    back: '上一步',
    restart: '重新开始',
    immuneOnly: '有，打过免疫针',
  },
  'zh-Hant': {
    age: '56歲',
    oldAge: '八十歲',
    medicine: '百澤安',
    neverHadOne: '冇用過',
    yes: '係',
    no: '冇',
    unsure: ['唔知', '唔清楚'],
    sentenceWithNumber: '做過2次化療',
    midQuestion: '阿帕替尼有什麼副作用？',
    midTopic: 'side-effects-apatinib',
    back: '上一步',
    restart: '重新開始',
    immuneOnly: '有，做過免疫治療',
  },
};

type Role = 'patient' | 'family';

interface Session {
  chat: Conversation;
  t: TFunction;
  /** i18next context for the role's wording. */
  context: 'family' | undefined;
  /** The replies that opened the pre-check (introduction and first question). */
  opening: BotReply[];
}

const open: Conversation[] = [];
afterEach(async () => {
  for (const chat of open.splice(0)) await chat.close();
});

async function startPrecheck(locale: Locale, role: Role): Promise<Session> {
  const chat = await startConversation({ locale: channelLocales[locale] });
  open.push(chat);
  const t = i18n.getFixedT(locale);
  const context = role === 'family' ? 'family' : undefined;
  // Nobody has said who is asking: the pre-check asks first (its questions are worded for the patient or the family).
  await expectTurn(chat, t('common:menu.precheck'), [`${t('common:role.prompt')}\n\n${t('common:role.why')}`]);
  const opening = await chat.say(t(`common:role.${role}`));
  return { chat, t, context, opening };
}

function last(replies: BotReply[]): BotReply {
  const reply = replies.at(-1);
  if (!reply) throw new Error('the bot said nothing');
  return reply;
}

function expectQuestion(session: Session, replies: BotReply[], questionId: string, number: number): void {
  const { t, context } = session;
  const shown = last(replies);
  expect(shown.text, `expected question ${questionId}, got: ${shown.text}`).toContain(t(`precheck:questions.${questionId}.question`, { context }));
  expect(shown.text).toContain(t('precheck:progress', { number, total: TOTAL }));
  expect(shown.text).toContain(t(`precheck:questions.${questionId}.why`, { context, min: 18, max: 75 }));
  const labels = questionId === 'age' ? [t('precheck:answer.unsure')] : questionId === 'anti-pd1' ? [t('precheck:medicineAnswer.unnamed'), t('precheck:medicineAnswer.none'), t('precheck:answer.unsure')] : [t('precheck:answer.yes'), t('precheck:answer.no'), t('precheck:answer.unsure')];
  expect(shown.choices).toEqual(labels);
}

/** Answers the six flag questions (5 to 10) in order and returns the outcome replies. */
async function answerFlags(session: Session, answers: string[]): Promise<BotReply[]> {
  const ids = ['daily-activity', 'anti-vessel-medicine', 'bleeding', 'blood-pressure', 'autoimmune', 'pregnancy'];
  let replies: BotReply[] = [];
  for (const [index, answer] of answers.entries()) {
    expect(index < ids.length).toBe(true);
    replies = await session.chat.say(answer);
    const nextId = ids[index + 1];
    if (nextId) expectQuestion(session, replies, nextId, index + 6);
  }
  return replies;
}

function expectNextChoices(session: Session, replies: BotReply[]): void {
  const { t } = session;
  expect(last(replies).text).toBe(t('precheck:outcome.next'));
  expect(last(replies).choices).toEqual([t('common:menu.handoff'), t('precheck:outcome.choices.learn'), t('common:nav.menu')]);
}

function outcomeText(replies: BotReply[]): string {
  return replies.slice(0, -1).map((reply) => reply.text).join('\n');
}

for (const locale of Object.keys(channelLocales) as Locale[]) {
  const say = typed[locale];

  describe(`pre-check transcripts (${locale})`, () => {
    it('may be a fit: typed answers (Chinese numerals, a brand name), family wording, a flag, then the hand-off gets the result', async () => {
      const session = await startPrecheck(locale, 'family');
      const { chat, t, context } = session;
      const intro = allText(session.opening);
      expect(intro).toContain(t('precheck:intro.what', { total: TOTAL, context }));
      expect(intro).toContain(t('precheck:intro.notDiagnosis'));
      expect(intro).toContain(t('precheck:intro.howTo'));
      expectQuestion(session, session.opening, 'age', 1);

      expectQuestion(session, await chat.say(say.age), 'diagnosis', 2);
      expectQuestion(session, await chat.say(say.yes), 'recurrent-or-metastatic', 3);
      expectQuestion(session, await chat.say(say.yes), 'anti-pd1', 4);
      expectQuestion(session, await chat.say(say.medicine), 'anti-pd1-progressed', 4);
      expectQuestion(session, await chat.say(say.yes), 'daily-activity', 5);
      const replies = await answerFlags(session, [say.yes, say.no, say.yes, say.no, say.no, say.no]);

      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:outcome.mayFit', { context }));
      expect(text).toContain(t('precheck:outcome.teamChecks'));
      expect(text).toContain(t('precheck:outcome.flagsIntro'));
      expect(text).toContain(t('precheck:flags.bleeding'));
      expect(text).not.toContain(t('precheck:flags.daily-activity', { context }));
      expect(text).not.toContain(t('precheck:outcome.probablyNot', { context }));
      expect(text).not.toMatch(/eligible|符合条件|符合資格/i);
      expectNextChoices(session, replies);

      const handoff = allText(await chat.say(t('common:menu.handoff')));
      expect(handoff).toContain(t('handoff:consent.precheck'));
    });

    it('may be a fit: every answer by button label, no flags listed', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      expectQuestion(session, await chat.say('56'), 'diagnosis', 2);
      expectQuestion(session, await chat.say(t('precheck:answer.yes')), 'recurrent-or-metastatic', 3);
      expectQuestion(session, await chat.say(t('precheck:answer.yes')), 'anti-pd1', 4);
      expectQuestion(session, await chat.say(t('precheck:medicineAnswer.unnamed')), 'anti-pd1-progressed', 4);
      expectQuestion(session, await chat.say(t('precheck:answer.yes')), 'daily-activity', 5);
      const replies = await answerFlags(session, [t('precheck:answer.yes'), ...Array<string>(5).fill(t('precheck:answer.no'))]);
      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:outcome.mayFit'));
      expect(text).not.toContain(t('precheck:outcome.flagsIntro'));
      expectNextChoices(session, replies);

      const learn = await chat.say(t('precheck:outcome.choices.learn'));
      expect(allText(learn)).toContain(t('topics:who-can-join.title'));
    });

    it('probably not, on age: ends at once with the reason, kind words, questions for their doctor, and the hand-off', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      const replies = await chat.say(say.oldAge);
      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:outcome.probablyNot'));
      expect(text).toContain(t('precheck:reasons.age', { min: 18, max: 75 }));
      expect(text).toContain(t('precheck:outcome.notFinal'));
      expect(text).toContain(t('precheck:outcome.askDoctorItems.otherStudies'));
      expect(allText(replies)).not.toContain(t('precheck:progress', { number: 2, total: TOTAL }));
      expectNextChoices(session, replies);

      const menu = await chat.say(t('common:nav.menu'));
      expect(last(menu).text).toBe(t('common:menu.prompt'));
    });

    it('probably not, no anti-PD-1 medicine; a number inside a sentence is not taken as a choice', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      await chat.say(say.age);
      const notAnAnswer = await chat.say(say.sentenceWithNumber);
      expect(last(notAnAnswer).text).toContain(t('precheck:retry.choice'));
      expectQuestion(session, notAnAnswer, 'diagnosis', 2);
      expectQuestion(session, await chat.say('1'), 'recurrent-or-metastatic', 3);
      expectQuestion(session, await chat.say(t('precheck:answer.yes')), 'anti-pd1', 4);
      // No follow-up about the medicine stopping working: straight to question 5.
      expectQuestion(session, await chat.say(say.neverHadOne), 'daily-activity', 5);
      const replies = await answerFlags(session, [say.no, say.no, say.no, say.no, say.no, say.no]);
      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:outcome.probablyNot'));
      expect(text).toContain(t('precheck:reasons.anti-pd1-failed'));
      expect(text).not.toContain(t('precheck:reasons.age', { min: 18, max: 75 }));
      expect(text).toContain(t('precheck:flags.daily-activity'));
      expectNextChoices(session, replies);
    });

    it('cannot tell yet: "not sure" everywhere, typed, never counts against the person', async () => {
      const session = await startPrecheck(locale, 'family');
      const { chat, t, context } = session;
      const ids = ['diagnosis', 'recurrent-or-metastatic', 'anti-pd1', 'daily-activity', 'anti-vessel-medicine', 'bleeding', 'blood-pressure', 'autoimmune', 'pregnancy'];
      let replies: BotReply[] = [];
      for (let index = 0; index < TOTAL; index += 1) {
        replies = await chat.say(say.unsure[index % 2] ?? '');
        const nextId = ids[index];
        if (nextId) expectQuestion(session, replies, nextId, index + 2);
      }
      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:outcome.cannotTell'));
      expect(text).toContain(t('precheck:outcome.haveReadyItems.scan', { context }));
      expect(text).toContain(t('precheck:outcome.haveReadyItems.treatments'));
      expect(text).toContain(t('precheck:outcome.teamChecks'));
      expect(text).not.toContain(t('precheck:outcome.probablyNot', { context }));
      expectNextChoices(session, replies);
    });

    it('a question asked mid-way is answered and the same question resumes; back goes one question back, also from the outcome', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      await chat.say(say.age);
      await chat.say(say.yes);
      const answered = await chat.say(say.midQuestion);
      expect(allText(answered)).toContain(t(`topics:${say.midTopic}.title`));
      expectQuestion(session, answered, 'recurrent-or-metastatic', 3);

      expectQuestion(session, await chat.say(say.back), 'diagnosis', 2);
      expectQuestion(session, await chat.say(t('precheck:answer.no')), 'recurrent-or-metastatic', 3);
      expectQuestion(session, await chat.say(say.yes), 'anti-pd1', 4);
      expectQuestion(session, await chat.say(say.medicine), 'anti-pd1-progressed', 4);
      // "2" picks the second button (No): the medicine did not stop working.
      expectQuestion(session, await chat.say('2'), 'daily-activity', 5);
      const replies = await answerFlags(session, [say.yes, say.no, say.no, say.no, say.no, say.no]);
      const text = outcomeText(replies);
      expect(text).toContain(t('precheck:reasons.diagnosis'));
      expect(text).toContain(t('precheck:reasons.anti-pd1-failed'));

      expectQuestion(session, await chat.say(say.back), 'pregnancy', 10);
      const again = await chat.say(t('precheck:answer.no'));
      expect(outcomeText(again)).toContain(t('precheck:outcome.probablyNot'));
    });

    it('bleeding: the question and its "yes" reply say what to do if it is happening now, with the site\'s number; "may be a fit" shows the registry status, the date it was checked and that it may be out of date', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      const site = chat.app.config.site;
      const now = { en: /bleeding now.{0,40}call 120/, 'zh-Hans': /现在正在出血.{0,10}请马上拨打120/, 'zh-Hant': /現在正在出血.{0,10}請立即撥打120/ }[locale];
      await chat.say(say.age);
      await chat.say(say.yes);
      await chat.say(say.yes);
      await chat.say(say.medicine);
      await chat.say(say.yes);
      await chat.say(say.yes);
      const bleedingQuestion = await chat.say(say.no);
      expectQuestion(session, bleedingQuestion, 'bleeding', 7);
      expect(last(bleedingQuestion).text).toContain(t('precheck:questions.bleeding.now', { emergencyNumber: '120' }));
      expect(last(bleedingQuestion).text).toMatch(now);

      const afterYes = await chat.say(say.yes);
      expect(afterYes).toHaveLength(2);
      expect(afterYes[0]?.text).toBe(t('precheck:questions.bleeding.flaggedReply', { emergencyNumber: '120' }));
      expect(afterYes[0]?.text).toMatch(now);
      expectQuestion(session, afterYes, 'blood-pressure', 8);
      expect(last(afterYes).text).toContain(t('precheck:questions.blood-pressure.now', { emergencyNumber: '120' }));

      const replies = await chat.say(say.no);
      expectQuestion(session, replies, 'autoimmune', 9);
      await chat.say(say.no);
      const outcome = await chat.say(say.no);
      const text = outcomeText(outcome);
      expect(text).toContain(t('precheck:outcome.mayFit'));
      const status = t(`topics:registryStatus.${site.registry.status}`);
      const checkedOn = formatCheckedOn(site.registry.checkedOn, locale);
      expect(text).toContain(t('precheck:outcome.registry', { status, checkedOn }));
      expect(text).toContain(status);
      expect(text).toMatch({ en: /1 November 2026/, 'zh-Hans': /2026年11月1日/, 'zh-Hant': /2026年11月1日/ }[locale]);
      expect(text).toMatch({ en: /may be out of date/, 'zh-Hans': /可能已过时/, 'zh-Hant': /可能已經過時/ }[locale]);
      // Recent bleeding was flagged: the outcome says again what to do if it is happening now.
      expect(text).toContain(t('precheck:flags.bleeding'));
      expect(text).toContain(t('precheck:outcome.urgentNow', { emergencyNumber: '120' }));
      // What FACTS.md only calls likely is worded as likely.
      expect(text).toContain(t('precheck:outcome.teamChecks'));
      expect(text).toMatch({ en: /will likely also check/, 'zh-Hans': /很可能/, 'zh-Hant': /很可能/ }[locale]);
      expectNextChoices(session, outcome);
    });

    it('"immunotherapy" without a medicine name counts as "not sure", never as an anti-PD-1 medicine', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      await chat.say(say.age);
      await chat.say(say.yes);
      await chat.say(say.yes);
      // No follow-up "did it stop working?": the answer was not taken as an anti-PD-1 medicine.
      expectQuestion(session, await chat.say(say.immuneOnly), 'daily-activity', 5);
      const replies = await answerFlags(session, [say.yes, say.no, say.no, say.no, say.no, say.no]);
      const text = outcomeText(replies);
      expect(text).not.toContain(t('precheck:reasons.anti-pd1-failed'));
      expect(text).not.toContain(t('precheck:outcome.probablyNot'));
      expect(text).toContain(t('precheck:outcome.mayFit'));
      expect(text).not.toContain(t('precheck:outcome.urgentNow', { emergencyNumber: '120' }));
    });

    it('back at the first question leaves for the menu; restart starts the conversation over and forgets who is asking', async () => {
      const session = await startPrecheck(locale, 'patient');
      const { chat, t } = session;
      expect(last(await chat.say(say.back)).text).toBe(t('common:menu.prompt'));
      expectQuestion(session, await chat.say(t('common:menu.precheck')), 'age', 1);
      await chat.say(say.age);
      expect(last(await chat.say(say.restart)).text).toBe(t('common:menu.prompt'));
      expect(last(await chat.say(t('common:menu.precheck'))).text).toBe(`${t('common:role.prompt')}\n\n${t('common:role.why')}`);
    });
  });
}

describe('the one word for the pre-check', () => {
  it.each([
    ['en', 'pre-check'],
    ['zh-Hans', '初步自查'],
    ['zh-Hant', '初步自查'],
  ] as const)('%s: typing the word the texts use ("%s") at the menu starts the pre-check', async (locale, word) => {
    const chat = await startConversation({ locale: channelLocales[locale] });
    open.push(chat);
    const t = i18n.getFixedT(locale);
    expect(last(await chat.say(word)).text).toContain(t('common:role.prompt'));
    const replies = await chat.say('1');
    expect(allText(replies)).toContain(t('precheck:intro.what', { total: TOTAL }));
    expect(allText(replies)).toContain(word);
    expect(last(replies).text).toContain(t('precheck:questions.age.question'));
  });
});

describe('pre-check language switch', () => {
  it('switching language mid-way shows the same question in the new language', async () => {
    const session = await startPrecheck('en', 'patient');
    await session.chat.say('56');
    const replies = await session.chat.say('中文');
    const zh = i18n.getFixedT('zh-Hans');
    expect(last(replies).text).toContain(zh('precheck:questions.diagnosis.question'));
    expect(last(replies).choices).toEqual([zh('precheck:answer.yes'), zh('precheck:answer.no'), zh('precheck:answer.unsure')]);
  });
});
