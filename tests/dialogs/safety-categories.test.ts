import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import type { EmergencyCategory } from '../../src/safety/emergency-categories';
import { type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

/** Issue 7's look-alike kinds: each gets a normal answer, never the emergency reply. */
type LookAlike = 'no-response' | 'stops-not-emergency' | 'lab-values' | 'past-resolved' | 'idiom' | 'risk-question' | 'eligibility-question' | 'hypothetical' | 'negated' | 'everyday-mild';

interface Script {
  locale: Locale;
  channelLocale: string;
  role: string;
  precheck: string;
  handoff: string;
  consentYes: string;
  age: string;
  /** Someone having the sign NOW, in each category, as people type it. */
  emergencies: Record<EmergencyCategory, string>;
  lookAlikes: Record<LookAlike, string>;
  stopChemo: string;
  /** A sign with nothing saying how bad it is: the short "if this is happening now" line, then a normal answer. */
  plainNosebleed: string;
}

const scripts: Script[] = [
  {
    locale: 'en',
    channelLocale: 'en-US',
    role: 'I am family',
    precheck: 'Might the patient qualify?',
    handoff: 'talk to a person',
    consentYes: 'yes',
    age: '56',
    emergencies: {
      bleeding: 'blood is pouring out of his mouth, the towel is soaked',
      breathing: 'mum is gasping and her lips look blue',
      consciousness: "dad collapsed and we can't wake him",
      stroke: 'his face is drooping on one side and his speech is slurred',
      chest: 'crushing pain in my chest right now',
      seizure: 'she is having a seizure on the floor',
      'allergic-infusion': 'during the infusion his throat is closing up',
      'fever-chills': 'fever 39.6 and shaking with chills',
      'blood-pressure': 'blood pressure 220/120 and a terrible headache',
      'self-harm': 'i want to end my life',
    },
    lookAlikes: {
      'no-response': 'the PD-1 medicine had no response, the tumour kept growing',
      'stops-not-emergency': "my cough won't stop but there is no blood",
      'lab-values': 'his blood counts keep dropping on the lab report',
      'past-resolved': 'he had a nosebleed last year, it stopped by itself',
      idiom: 'this paperwork is killing me',
      'risk-question': 'does apatinib cause bleeding?',
      'eligibility-question': 'can he join if he had a seizure years ago?',
      hypothetical: 'what if he faints at home?',
      negated: 'no bleeding and no trouble breathing',
      'everyday-mild': 'out of breath after climbing the stairs',
    },
    stopChemo: 'should I stop my chemo?',
    plainNosebleed: 'I have a nosebleed',
  },
  {
    locale: 'zh-Hans',
    channelLocale: 'zh-CN',
    role: '我是家属',
    precheck: '患者可能符合条件吗？',
    handoff: '人工',
    consentYes: '同意',
    age: '56',
    emergencies: {
      bleeding: '我爸鼻子一直在流血，止不住',
      breathing: '我妈喘不上气，嘴唇发紫',
      consciousness: '我爸晕倒了，叫不醒',
      stroke: '他嘴突然歪了，说话不清楚',
      chest: '我爸胸口像压着大石头一样痛',
      seizure: '他正在抽搐，口吐白沫',
      'allergic-infusion': '输液的时候他喉咙发紧，全身起疹子',
      'fever-chills': '发烧39度多，一直发抖打寒颤',
      'blood-pressure': '血压210/125，头痛得厉害',
      'self-harm': '我不想活了',
    },
    lookAlikes: {
      'no-response': '打了PD-1没反应，肿瘤还在长',
      'stops-not-emergency': '眼泪止不住，心里很难过',
      'lab-values': '血常规一直偏低',
      'past-resolved': '去年流过鼻血，早就好了',
      idiom: '气得我吐血',
      'risk-question': '阿帕替尼会引起出血吗？',
      'eligibility-question': '以前得过中风能参加吗？',
      hypothetical: '如果他晕倒了怎么办？',
      negated: '没有出血，也没有发烧',
      'everyday-mild': '爬楼梯有点喘',
    },
    stopChemo: '我要不要停化疗？',
    plainNosebleed: '我在流鼻血',
  },
  {
    locale: 'zh-Hant',
    channelLocale: 'zh-HK',
    role: '我是家人',
    precheck: '病人可能符合條件嗎？',
    handoff: '人工',
    consentYes: '同意',
    age: '56',
    emergencies: {
      bleeding: '阿爸條頸標緊血',
      breathing: '阿媽唞唔到氣，嘴唇變晒紫色',
      consciousness: '佢暈咗，叫唔醒',
      stroke: '佢把口突然歪咗，講嘢唔清楚',
      chest: '我老公心口好痛，好似俾大石壓住',
      seizure: '佢而家抽緊筋，口吐白沫',
      'allergic-infusion': '吊針吊到一半，佢塊面腫晒，喉嚨好緊',
      'fever-chills': '發燒39度，一路打冷震',
      'blood-pressure': '血壓去到220/120，頭痛到爆',
      'self-harm': '我唔想活落去',
    },
    lookAlikes: {
      'no-response': '打咗免疫治療都冇反應，腫瘤仲大咗',
      'stops-not-emergency': '咳咗好耐都未停，冇血',
      'lab-values': '血色素一直偏低',
      'past-resolved': '上個月流過鼻血，已經好返',
      idiom: '激到我吐血',
      'risk-question': '阿帕替尼會唔會引起出血？',
      'eligibility-question': '以前中過風可唔可以參加？',
      hypothetical: '如果佢暈低點算？',
      negated: '冇出血，亦都冇發燒',
      'everyday-mild': '行樓梯有啲喘',
    },
    stopChemo: '我應唔應該停化療？',
    plainNosebleed: '我流緊鼻血',
  },
];

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const texts = (replies: BotReply[]) => replies.map((reply) => reply.text);

describe.each(scripts)('every emergency category and every look-alike ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);
  const emergencyReplies = (conversation: Conversation, category: EmergencyCategory) => {
    const site = conversation.app.config.site;
    const first =
      category === 'self-harm'
        ? t('safety:selfHarm', { crisisLineName: site.crisisLine.name[script.locale], crisisLineNumber: site.crisisLine.number, emergencyNumber: site.emergencyNumber })
        : t('safety:emergency', { emergencyNumber: site.emergencyNumber });
    return [first, t('safety:offerToContinue')];
  };

  it('mid-pre-check: each category is answered with the emergency reply and nothing else, and the question waits', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.role);
    const question = (await chat.say(script.precheck)).at(-1)?.text ?? '';
    expect(question).toContain(t('precheck:questions.age.question_family'));
    for (const [category, text] of Object.entries(script.emergencies) as [EmergencyCategory, string][]) {
      await expectTurn(chat, text, emergencyReplies(chat, category));
    }
    const next = await chat.say(script.age);
    expect(next.at(-1)?.text).toContain(t('precheck:questions.diagnosis.question_family'));
  });

  it('mid-hand-off: each category is answered with the emergency reply and nothing else, and the hand-off waits', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.role);
    await chat.say(script.handoff);
    const namePrompt = (await chat.say(script.consentYes)).at(-1)?.text ?? '';
    for (const [category, text] of Object.entries(script.emergencies) as [EmergencyCategory, string][]) {
      await expectTurn(chat, text, emergencyReplies(chat, category));
    }
    // The open question is still the same one: "menu" then the hand-off again shows the consent again, not a name error.
    const again = await chat.say('help');
    expect(texts(again).at(-1)).toBe(namePrompt);
  });

  it('a look-alike of each kind gets a normal answer, never the emergency reply', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.role);
    const site = chat.app.config.site;
    const alarms = [t('safety:emergency', { emergencyNumber: site.emergencyNumber }), t('safety:emergencyIfNow', { emergencyNumber: site.emergencyNumber })];
    for (const [kind, text] of Object.entries(script.lookAlikes)) {
      const replies = texts(await chat.say(text));
      expect(replies.length, `${kind}: ${text}`).toBeGreaterThan(0);
      for (const alarm of alarms) expect(replies, `${kind}: ${text}`).not.toContain(alarm);
      await chat.say(t('common:nav.menu'));
    }
  });

  it('a sign without words about how bad it is gets the short "if this is happening now" line first, then the turn goes on', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.role);
    const replies = texts(await chat.say(script.plainNosebleed));
    expect(replies[0]).toBe(t('safety:emergencyIfNow', { emergencyNumber: chat.app.config.site.emergencyNumber }));
    expect(replies.length).toBeGreaterThan(1);
    expect(replies).not.toContain(t('safety:offerToContinue'));
  });

  it('"should I stop my chemo?" at the main menu and inside a topic gets the medical-decision reply, then the same place again', async () => {
    chat = await startConversation({ locale: script.channelLocale });
    const menu = await chat.say(script.role);
    const decision = t('safety:medicalDecision', { coordinatorPhone: chat.app.config.site.coordinator.phone });
    const atMenu = await chat.say(script.stopChemo);
    expect(texts(atMenu)[0]).toBe(decision);
    expect(atMenu.at(-1)?.choices).toEqual(menu.at(-1)?.choices);

    const topic = await chat.say(t('common:menu.about'));
    const inTopic = await chat.say(script.stopChemo);
    expect(texts(inTopic)[0]).toBe(decision);
    expect(inTopic.at(-1)?.choices).toEqual(topic.at(-1)?.choices);
  });
});
