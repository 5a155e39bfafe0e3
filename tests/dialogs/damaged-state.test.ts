import type { StoreItems } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

/**
 * What a dialog kept in conversation state is read back on the next turn. State written by an older version or
 * damaged in the database must not break the turn, and a hand-off draft that does not check out is never sent:
 * the hand-off starts again at its consent question (dialogs/shared/persisted-options.ts).
 */
const i18n = createTranslator(projectRoot);

const scripts: Array<{ locale: Locale; channelLocale: string; handoff: string; consentYes: string; role: string; name: string }> = [
  { locale: 'en', channelLocale: 'en-US', handoff: 'talk to a person', consentYes: 'yes', role: 'I am the patient', name: 'Ms Chen' },
  { locale: 'zh-Hans', channelLocale: 'zh-CN', handoff: '转人工', consentYes: '同意', role: '我是患者', name: '陈女士' },
  { locale: 'zh-Hant', channelLocale: 'zh-HK', handoff: '轉人工', consentYes: '係', role: '我是家人', name: '黃先生' },
];

interface Frame {
  id: string;
  state: { options?: unknown; dialogs?: { dialogStack: Frame[] } };
}

/** The stored frame of dialog `id`, anywhere in the (nested) dialog stack. */
function findFrame(stack: Frame[], id: string): Frame | undefined {
  for (const frame of stack) {
    if (frame.id === id) return frame;
    const inner = frame.state.dialogs ? findFrame(frame.state.dialogs.dialogStack, id) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** Rewrites the stored options of dialog `id` in this conversation's state, as a damaged row would hold them. */
async function damageOptions(chat: Conversation, conversationId: string, id: string, options: unknown): Promise<void> {
  const key = `unstamped:directline/conversations/${conversationId}/`;
  const items: StoreItems = await chat.stores.botState.read([key]);
  const state = items[key] as { dialogState: { dialogStack: Frame[] } };
  const frame = findFrame(state.dialogState.dialogStack, id);
  if (!frame) throw new Error(`no stored frame ${id}`);
  frame.state.options = options;
  await chat.stores.botState.write({ [key]: { ...state, eTag: '*' } });
}

const texts = (replies: BotReply[]) => replies.map((reply) => reply.text);

describe.each(scripts)('damaged dialog state ($locale)', (script) => {
  const t = i18n.getFixedT(script.locale);

  it('a hand-off draft that does not check out is not used: the name typed next gets the consent question again, then the hand-off goes on', async () => {
    const conversationId = `damaged-${script.locale}`;
    const chat = await startConversation({ locale: script.channelLocale, conversationId });
    try {
      await chat.say(script.handoff);
      await chat.say(script.consentYes);
      expect(texts(await chat.say(script.role)).at(-1)).toBe(t('handoff:ask.name'));

      // An older version's draft: a phone number stored as a number, "hasPrecheck" missing.
      await damageOptions(chat, conversationId, 'handoff.collect', { draft: { phone: 8613812345678 }, items: ['name', 'phone'], index: 0, fromReview: false });
      const restarted = await chat.say(script.name);
      expect(restarted.at(-1)?.text).toContain(t('handoff:consent.question'));
      expect(restarted.at(-1)?.choices).toEqual([t('handoff:choice.yes'), t('handoff:choice.no')]);
      expect(texts(restarted).join('\n')).not.toContain(t('handoff:ask.phone'));

      // Who is asking was said already: after consent the details start again with the name, then the phone.
      await expectTurn(chat, script.consentYes, [t('handoff:ask.name')]);
      await expectTurn(chat, script.name, [t('handoff:ask.phone')]);
    } finally {
      await chat.close();
    }
  });
});
