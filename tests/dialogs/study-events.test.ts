import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { EventOrigin, StudyEvent, StudyEventSink } from '../../src/events/study-events';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type Conversation, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

interface Script {
  locale: Locale;
  channelLocale: string;
  role: string;
  /** A question the recognizer is sure of, and its topic. */
  question: [string, string];
  /** A question not about the study. */
  weather: string;
  /** A question the recognizer is unsure of ("did you mean…?"). */
  unsure: string;
  medicalDecision: string;
  emergency: string;
}

const scripts: Script[] = [
  { locale: 'en', channelLocale: 'en-US', role: 'I am family', question: ['what are the side effects of apatinib?', 'side-effects-apatinib'], weather: "what's the weather like tomorrow", unsure: 'the thing with the pills', medicalDecision: 'should my dad stop taking his medicine?', emergency: 'my father is coughing up blood and it will not stop' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', role: '我是家属', question: ['阿帕替尼有什么副作用？', 'side-effects-apatinib'], weather: '明天天气怎么样', unsure: '药的事情', medicalDecision: '我爸要不要停药？', emergency: '我爸爸一直在吐血，止不住' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', role: '我是家人', question: ['阿帕替尼有咩副作用？', 'side-effects-apatinib'], weather: '聽日天氣點呀', unsure: '藥嘅事情', medicalDecision: '我爸爸應唔應該停藥？', emergency: '佢暈咗，叫唔醒' },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

/** Every event the app recorded, in order, with its origin. */
function recorder(): StudyEventSink & { origins: EventOrigin[]; take(): StudyEvent[] } {
  const events: StudyEvent[] = [];
  const origins: EventOrigin[] = [];
  return {
    origins,
    record: (event, origin) => {
      events.push(event);
      origins.push(origin);
    },
    /** The events since the last take. */
    take: () => events.splice(0),
  };
}

describe.each(scripts)('study events of a scripted conversation ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('records exactly what happened, turn by turn, labelled with the locale and the channel', async () => {
    const sink = recorder();
    chat = await startConversation({ locale: script.channelLocale, events: sink });
    expect(sink.take()).toEqual([{ type: 'conversationStarted' }]);

    await chat.say(script.role);
    expect(sink.take()).toEqual([]);

    const [question, topic] = script.question;
    await chat.say(question);
    expect(sink.take()).toEqual([
      { type: 'questionAsked', outcome: 'confident', intent: topic },
      { type: 'topicViewed', topicId: topic },
    ]);

    await chat.say(t('common:nav.menu'));
    await chat.say(script.weather);
    expect(sink.take()).toEqual([{ type: 'questionAsked', outcome: 'outOfScope', text: script.weather }]);

    await chat.say(script.unsure);
    expect(sink.take()).toEqual([{ type: 'questionAsked', outcome: 'unsure', text: script.unsure }]);

    await chat.say(t('common:nav.menu'));
    expect(sink.take()).toEqual([]);
    await chat.say(t('common:menu.precheck'));
    expect(sink.take()).toEqual([{ type: 'precheckStarted' }]);

    await chat.say(script.medicalDecision);
    expect(sink.take()).toEqual([{ type: 'medicalDecisionDeflected' }]);
    await chat.say(script.emergency);
    const [safety, ...more] = sink.take();
    expect(more).toEqual([]);
    expect(safety).toMatchObject({ type: 'safetyTriggered', category: expect.any(String) });

    // 80 is outside the age range: the pre-check ends there.
    await chat.say('80');
    expect(sink.take()).toEqual([{ type: 'precheckFinished', outcome: 'probably-not' }]);

    await chat.say(t('common:menu.handoff'));
    expect(sink.take()).toEqual([]);
    await chat.say(t('handoff:choice.yes'));
    expect(sink.take()).toEqual([{ type: 'handoffConsented' }]);

    // "Restart" greets again but is the same conversation.
    await chat.say('restart');
    expect(sink.take()).toEqual([]);
    expect(sink.origins).toHaveLength(10);
    expect(new Set(sink.origins.map((origin) => JSON.stringify(origin)))).toEqual(new Set([JSON.stringify({ locale: script.locale, channel: 'directline' })]));
  });
});
