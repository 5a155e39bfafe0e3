import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { loadFunnelReport, parseFunnelQuery } from '../../src/funnel/funnel-report';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import type { FunnelStage } from '../../src/storage/funnel-ports';
import { allText, type BotReply, type Conversation, startConversation } from '../support/conversation-harness';

/**
 * The funnel moved by a real conversation: the bot (all dialogs, the study events they emit) through the
 * conversation harness, the app's own recorder writing to its SQLite store, then the console's report.
 */
const i18n = createTranslator(projectRoot);

interface Script {
  channelLocale: string;
  topicQuestion: string;
  /** Not about the study, with a phone number in it. */
  unanswered: string;
  unansweredStored: string;
  age: string;
  yes: string;
  no: string;
  medicine: string;
  name: string;
  phone: string;
  skipEmail: string;
}

const scripts: Record<Locale, Script> = {
  en: {
    channelLocale: 'en-US',
    topicQuestion: 'What are the side effects of apatinib?',
    unanswered: 'Is there free parking at the hospital? my number is 13812345678',
    unansweredStored: 'Is there free parking at the hospital? my number is [phone]',
    age: "I'm 56",
    yes: 'yes',
    no: 'no',
    medicine: 'Keytruda',
    name: 'Ms Chen',
    phone: '138 1234 5678',
    skipEmail: 'skip',
  },
  'zh-Hans': {
    channelLocale: 'zh-CN',
    topicQuestion: '阿帕替尼有什么副作用？',
    unanswered: '医院停车免费吗？我的电话13812345678',
    unansweredStored: '医院停车免费吗？我的电话[phone]',
    age: '五十六',
    yes: '是',
    no: '没有',
    medicine: '卡瑞利珠单抗',
    name: '陈女士',
    phone: '13812345678',
    skipEmail: '跳过',
  },
  'zh-Hant': {
    channelLocale: 'zh-HK',
    topicQuestion: '阿帕替尼有什麼副作用？',
    unanswered: '醫院泊車免費嗎？我電話 9123 4567',
    unansweredStored: '醫院泊車免費嗎？我電話 [phone]',
    age: '56歲',
    yes: '係',
    no: '冇',
    medicine: '百澤安',
    name: '黃先生',
    phone: '9123 4567',
    skipEmail: '略過',
  },
};

let conversation: Conversation | undefined;
afterEach(async () => {
  await conversation?.close();
  conversation = undefined;
});

/** The first button the bot offered last: a tap on it, as its words. */
function firstChoice(replies: BotReply[]): string {
  const choice = replies.at(-1)?.choices[0];
  if (!choice) throw new Error(`no buttons in ${JSON.stringify(replies.at(-1))}`);
  return choice;
}

async function funnelCounts(chat: Conversation): Promise<Partial<Record<FunnelStage, number>>> {
  await chat.app.funnel.flush();
  const counts: Partial<Record<FunnelStage, number>> = {};
  for (const row of await chat.stores.funnel.counts({})) counts[row.stage] = (counts[row.stage] ?? 0) + row.count;
  return counts;
}

describe('a conversation moves the funnel', () => {
  for (const [locale, script] of Object.entries(scripts) as Array<[Locale, Script]>) {
    it(`${locale}: started, topic, unanswered question (redacted), pre-check, hand-off, then contacted in the console's report`, async () => {
      const t = i18n.getFixedT(locale);
      const chat = await startConversation({ locale: script.channelLocale });
      conversation = chat;
      expect(await funnelCounts(chat)).toEqual({ 'conversation-started': 1 });

      // Nobody is asked who is asking after the greeting: a question at the menu is answered at once.
      await chat.say(script.topicQuestion);
      const afterTopic = await funnelCounts(chat);
      expect(afterTopic['topic-viewed'] ?? 0).toBeGreaterThanOrEqual(1);
      expect(afterTopic['question-recognised'] ?? 0).toBeGreaterThanOrEqual(1);

      await chat.say(script.unanswered);
      expect((await funnelCounts(chat))['question-not-recognised']).toBe(1);
      expect(await chat.stores.funnel.unansweredQuestions({}, 10)).toEqual([{ text: script.unansweredStored, count: 1, lastAskedAt: expect.any(Date), locale }]);

      const offer = await chat.say(t('common:menu.precheck'));
      const roleQuestion = await chat.say(firstChoice(offer)); // "Start the pre-check": who is asking comes first
      expect(roleQuestion.at(-1)?.text).toContain(t('common:role.prompt'));
      expect((await funnelCounts(chat))['precheck-started'] ?? 0).toBe(0);
      const firstQuestion = await chat.say(firstChoice(roleQuestion)); // the role: the patient
      expect(firstQuestion.at(-1)?.text).toContain(t('precheck:questions.age.question'));
      expect((await funnelCounts(chat))['precheck-started']).toBe(1);
      let replies: BotReply[] = [];
      for (const answer of [script.age, script.yes, script.yes, script.medicine, script.yes, script.yes, script.no, script.no, script.no, script.no, script.no]) replies = await chat.say(answer);
      const counts = await funnelCounts(chat);
      expect(counts['precheck-may-fit']).toBe(1);
      expect(counts['precheck-probably-not'] ?? 0).toBe(0);
      expect(counts['handoff-consented'] ?? 0).toBe(0);

      replies = await chat.say(firstChoice(replies)); // "Talk to the study team"
      replies = await chat.say(firstChoice(replies)); // consent: yes
      expect((await funnelCounts(chat))['handoff-consented']).toBe(1);
      for (const typed of [script.name, script.phone, script.skipEmail]) replies = await chat.say(typed);
      replies = await chat.say(firstChoice(replies)); // best time
      replies = await chat.say(firstChoice(replies)); // language for the call
      replies = await chat.say(firstChoice(replies)); // send the pre-check answers too
      const done = await chat.say(firstChoice(replies)); // the read-back: send
      const { items } = await chat.stores.referrals.list({ limit: 5 });
      expect(items).toHaveLength(1);
      expect(allText(done)).toContain(items[0]!.reference);
      await chat.stores.referrals.update(items[0]!.id, { status: 'contacted' }, new Date());

      // Totals over the default range (the last 8 weeks): the harness runs on the system clock, so a test that
      // straddles midnight on Sunday must not depend on which week each event fell in.
      const report = await loadFunnelReport(chat.stores.funnel, parseFunnelQuery({ lang: locale }, new Date()));
      expect(report.totals).toMatchObject({
        'conversation-started': 1,
        'question-not-recognised': 1,
        'precheck-started': 1,
        'precheck-may-fit': 1,
        'precheck-probably-not': 0,
        'handoff-consented': 1,
        contacted: 1,
        enrolled: 0,
      });
      expect(report.referralStatuses).toMatchObject({ new: 0, contacted: 1 });
      // The other languages' pages stay empty.
      const other = await loadFunnelReport(chat.stores.funnel, parseFunnelQuery({ lang: locale === 'en' ? 'zh-Hans' : 'en' }, new Date()));
      expect(Object.values(other.totals).every((value) => value === 0)).toBe(true);
      expect(report.unansweredQuestions.map((question) => question.text)).toEqual([script.unansweredStored]);
      // Nothing in the funnel's tables names the person.
      const stored = JSON.stringify([await chat.stores.funnel.counts({}), report.unansweredQuestions]);
      for (const personal of [script.name, script.phone.replace(/\s/g, ''), '13812345678', '91234567']) expect(stored).not.toContain(personal);
    });
  }
});
