import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, TestAdapter, type TurnContext } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { TurnSerializer } from '../../src/bot/turn-serializer';
import { projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { startConversation, expectTurn } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

describe('conversation state survives a restart', () => {
  it('a person half-way through the pre-check continues at the same question after the server restarts', async () => {
    const t = i18n.getFixedT('zh-Hant');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-restart-'));
    try {
      const before = await startConversation({ locale: 'zh-TW', dataDir, conversationId: 'restart-1' });
      expect((await before.say('我可能符合條件嗎？')).at(-1)?.text).toContain(t('common:role.prompt'));
      await before.say('我是病人本人');
      const diagnosis = await before.say('六十二歲');
      expect(diagnosis.at(-1)?.text).toContain(t('precheck:questions.diagnosis.question'));
      await before.close();

      const after = await startConversation({ locale: 'zh-TW', dataDir, conversationId: 'restart-1', greet: false });
      const next = await after.say('係');
      expect(next.at(-1)?.text).toContain(t('precheck:questions.recurrent-or-metastatic.question'));
      await after.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('first contact', () => {
  it('a first message without a conversation-start event is greeted before anything else, then the menu', async () => {
    const t = i18n.getFixedT('en');
    const chat = await startConversation({ locale: 'en-US', greet: false });
    try {
      await expectTurn(chat, 'hello', [
        t('common:welcome.greeting', { siteName: chat.app.config.site.siteName.en }),
        t('common:welcome.notForEmergencies', { emergencyNumber: chat.app.config.site.emergencyNumber }),
        t('common:menu.prompt'),
      ]);
    } finally {
      await chat.close();
    }
  });
});

describe('turn serialisation', () => {
  it('runs the turns of one conversation one at a time, and other conversations alongside', async () => {
    const serializer = new TurnSerializer();
    const log: string[] = [];
    const logic = async (context: TurnContext) => {
      const id = context.activity.conversation.id;
      log.push(`start ${id}:${context.activity.text ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`end ${id}:${context.activity.text ?? ''}`);
    };
    const adapterA = new TestAdapter(logic, { conversation: { id: 'a' } } as Partial<Activity>).use(serializer);
    const adapterB = new TestAdapter(logic, { conversation: { id: 'b' } } as Partial<Activity>).use(serializer);
    await Promise.all([
      adapterA.receiveActivity({ type: 'message', text: '1' }),
      adapterA.receiveActivity({ type: 'message', text: '2' }),
      adapterA.receiveActivity({ type: 'message', text: '3' }),
      adapterB.receiveActivity({ type: 'message', text: 'x' }),
    ]);
    const a = log.filter((line) => line.includes(' a:'));
    expect(a).toEqual(['start a:1', 'end a:1', 'start a:2', 'end a:2', 'start a:3', 'end a:3']);
    // Conversation b did not wait for a: it started before a's first turn ended.
    expect(log.indexOf('start b:x')).toBeLessThan(log.indexOf('end a:1'));
  });
});

describe('checking a referral', () => {
  it('a conversation may look up only 10 references an hour, so short references cannot be guessed', async () => {
    const t = i18n.getFixedT('en');
    const chat = await startConversation({ locale: 'en-US' });
    try {
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        await chat.say('check my referral');
        const answer = await chat.say(`TG-${'ABCDEFGHJK'[attempt - 1] ?? 'A'}2345`);
        expect(answer[0]?.text, `attempt ${attempt}`).toContain(t('handoff:check.notFound', { reference: `TG-${'ABCDEFGHJK'[attempt - 1] ?? 'A'}2345` }));
      }
      await chat.say('check my referral');
      const limited = await chat.say('TG-MN234');
      expect(limited[0]?.text).toContain(t('handoff:check.failed'));
      expect(limited[0]?.text).not.toContain(t('handoff:check.notFound', { reference: 'TG-MN234' }));
    } finally {
      await chat.close();
    }
  });
});
