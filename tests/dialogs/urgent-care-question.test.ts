import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);
const texts = (replies: BotReply[]) => replies.map((reply) => reply.text ?? '');

/**
 * Issue 7: "should I call an ambulance?" is answered as a possible emergency even when no sign is named — the
 * short "if this is happening now, call …" line comes first, then the turn goes on where the person was.
 * The same question put as a hypothetical ("if his blood pressure goes over 200, should we go to A&E?") gets a
 * normal answer.
 */
const scripts: Array<{ locale: Locale; channelLocale: string; role: string; precheck: string; urgent: string[]; hypothetical: string }> = [
  {
    locale: 'en',
    channelLocale: 'en-US',
    role: 'I am family',
    precheck: 'Might the patient qualify?',
    urgent: ['should I call an ambulance?', 'should we take him to the ER?'],
    hypothetical: 'if his blood pressure goes over 200, should we go to A&E?',
  },
  {
    locale: 'zh-Hans',
    channelLocale: 'zh-CN',
    role: '我是家属',
    precheck: '患者可能符合条件吗？',
    urgent: ['要不要叫救护车？', '要不要马上送我爸去医院？'],
    hypothetical: '如果血压超过200，要不要去急诊？',
  },
  {
    locale: 'zh-Hant',
    channelLocale: 'zh-HK',
    role: '我是家人',
    precheck: '病人可能符合條件嗎？',
    urgent: ['使唔使叫白車？', '要不要掛急診？'],
    hypothetical: '萬一血壓超過200，使唔使去急症室？',
  },
];

for (const script of scripts) {
  const t = i18n.getFixedT(script.locale);
  describe(`a question about urgent care with no sign named (${script.locale})`, () => {
    let chat: Conversation | undefined;
    afterEach(async () => {
      await chat?.close();
      chat = undefined;
    });

    it('at the menu and mid-pre-check: the short "if this is happening now" line first, then the turn goes on (mid-pre-check: the same question again)', async () => {
      chat = await startConversation({ locale: script.channelLocale });
      const ifNow = t('safety:emergencyIfNow', { emergencyNumber: chat.app.config.site.emergencyNumber });
      await chat.say(script.role);
      const atMenu = await chat.say(script.urgent[0] ?? '');
      expect(texts(atMenu)[0]).toBe(ifNow);
      // Then the turn goes on as the question would have without it (at the menu: the closest topics and the study team).
      expect(atMenu.length).toBeGreaterThan(1);
      expect(texts(atMenu).slice(1)).not.toContain(ifNow);

      await chat.say(t('common:nav.menu'));
      const question = (await chat.say(script.precheck)).at(-1)?.text ?? '';
      expect(question).toContain(t('precheck:questions.age.question_family'));
      // Mid-pre-check: the short line, the normal answer to the question asked (no approved answer / only study
      // questions), then the same pre-check question again, and nothing else.
      await expectTurn(chat, script.urgent[1] ?? '', [ifNow, /\S/, question]);
    });

    it('the same question as a hypothetical gets a normal answer, no emergency line', async () => {
      chat = await startConversation({ locale: script.channelLocale });
      await chat.say(script.role);
      const replies = texts(await chat.say(script.hypothetical));
      expect(replies.length).toBeGreaterThan(0);
      expect(replies.join('\n')).not.toContain(t('safety:emergencyIfNow', { emergencyNumber: chat.app.config.site.emergencyNumber }));
      expect(replies.join('\n')).not.toContain(t('safety:emergency', { emergencyNumber: chat.app.config.site.emergencyNumber }));
    });
  });
}
