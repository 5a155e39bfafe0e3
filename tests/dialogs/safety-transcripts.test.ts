import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type Conversation, containing, expectTurn, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

interface SafetyScript {
  locale: Locale;
  channelLocale: string;
  role: string;
  precheck: string;
  emergency: string;
  selfHarm: string;
  medicalDecision: string;
}

const scripts: SafetyScript[] = [
  {
    locale: 'en',
    channelLocale: 'en-US',
    role: 'I am family',
    precheck: 'Might the patient qualify?',
    emergency: 'my father is coughing up blood and it will not stop',
    selfHarm: 'I want to kill myself',
    medicalDecision: 'should my dad stop taking his medicine?',
  },
  {
    locale: 'zh-Hans',
    channelLocale: 'zh-CN',
    role: '我是家属',
    precheck: '患者可能符合条件吗？',
    emergency: '我爸爸一直在吐血，止不住',
    selfHarm: '我不想活了',
    medicalDecision: '我爸要不要停药？',
  },
  {
    locale: 'zh-Hant',
    channelLocale: 'zh-HK',
    role: '我是家人',
    precheck: '病人可能符合條件嗎？',
    emergency: '佢暈咗，叫唔醒',
    selfHarm: '我唔想活落去',
    medicalDecision: '我爸爸應唔應該停藥？',
  },
];

let chat: Conversation | undefined;
afterEach(async () => {
  // close() also checks that nothing the person typed reached the logs: its error must fail the test.
  await chat?.close();
  chat = undefined;
});

describe.each(scripts)('safety net inside a dialog ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  async function atFirstPrecheckQuestion(): Promise<{ conversation: Conversation; question: string }> {
    chat = await startConversation({ locale: script.channelLocale });
    await chat.say(script.role);
    const started = await chat.say(script.precheck);
    return { conversation: chat, question: started.at(-1)?.text ?? '' };
  }

  it('an emergency in the middle of the pre-check is answered first with the emergency number; the question waits', async () => {
    const { conversation, question } = await atFirstPrecheckQuestion();
    expect(question).toContain(t('precheck:questions.age.question_family'));
    // User says the emergency; bot says the emergency number, then how to go on, and nothing else.
    await expectTurn(conversation, script.emergency, [t('safety:emergency', { emergencyNumber: '120' }), t('safety:offerToContinue')]);
    // The dialog did not advance: the next answer still answers the same question (the age), and the next one is asked.
    await expectTurn(conversation, '56', [containing(t('precheck:questions.diagnosis.question_family'))]);
  });

  it('thoughts of self-harm get the crisis line and the emergency number', async () => {
    const { conversation } = await atFirstPrecheckQuestion();
    const site = conversation.app.config.site;
    await expectTurn(conversation, script.selfHarm, [
      t('safety:selfHarm', { crisisLineName: site.crisisLine.name[script.locale], crisisLineNumber: site.crisisLine.number, emergencyNumber: site.emergencyNumber }),
      t('safety:offerToContinue'),
    ]);
  });

  it('a request for a medical decision is sent to the doctor or study team, never advised, and the question resumes', async () => {
    const { conversation, question } = await atFirstPrecheckQuestion();
    await expectTurn(conversation, script.medicalDecision, [t('safety:medicalDecision', { coordinatorPhone: conversation.app.config.site.coordinator.phone }), question]);
  });

  it('with the storage down, an emergency still gets the emergency number', async () => {
    const { conversation } = await atFirstPrecheckQuestion();
    await conversation.stores.close();
    const replies = await conversation.say(script.emergency);
    expect(replies[0]?.text).toBe(t('safety:emergency', { emergencyNumber: '120' }));
  });
});
