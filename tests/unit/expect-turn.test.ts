import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { type BotReply, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);

/** A conversation that answers with fixed replies, and may send one more after the turn: to see the helper fail. */
function scripted(turn: BotReply[], late: BotReply[] = []): Pick<Conversation, 'say' | 'afterTurn'> {
  return { say: async () => turn, afterTurn: async () => late.splice(0) };
}

const menu = (text: string): BotReply => ({ text, choices: ['About the study', 'Might I qualify?', 'Talk to the study team', 'Ask a question'] });

describe('expectTurn: the full reply sequence of a turn, and nothing after it', () => {
  for (const [locale, channelLocale, typed] of [['en', 'en-US', 'help'], ['zh-Hans', 'zh-CN', '帮助'], ['zh-Hant', 'zh-TW', '幫助']] as const) {
    it(`passes on a real turn (${locale}): user types "${typed}"; bot says the help text, then the menu with its four choices`, async () => {
      const t = i18n.getFixedT(locale);
      const chat = await startConversation({ locale: channelLocale });
      try {
        await expectTurn(chat, typed, [
          t('common:help', { emergencyNumber: chat.app.config.site.emergencyNumber }),
          { text: t('common:menu.prompt'), choices: ['about', 'precheck', 'handoff', 'ask'].map((item) => t(`common:menu.${item}`)) },
        ]);
      } finally {
        await chat.close();
      }
    });
  }

  it('fails when an extra message follows the expected ones in the same turn', async () => {
    await expect(expectTurn(scripted([menu('What would you like to do?'), menu('What would you like to do?')]), 'menu', ['What would you like to do?'])).rejects.toThrow(/the bot's replies to "menu"/);
  });

  it('fails when a message arrives after the turn has ended', async () => {
    const chat = scripted([menu('What would you like to do?')], [{ text: 'One more thing…', choices: [] }]);
    await expect(expectTurn(chat, 'menu', ['What would you like to do?'])).rejects.toThrow(/messages after the turn of "menu" had ended/);
  });

  it('fails when a message is missing, out of order, or has other choices', async () => {
    const turn = [{ text: 'first', choices: [] }, { text: 'second', choices: ['Yes', 'No'] }];
    await expect(expectTurn(scripted(turn), 'hi', ['first', 'second', 'third'])).rejects.toThrow(/the bot's replies/);
    await expect(expectTurn(scripted(turn), 'hi', ['second', 'first'])).rejects.toThrow(/the bot's replies/);
    await expect(expectTurn(scripted(turn), 'hi', ['first', { text: 'second', choices: ['Yes'] }])).rejects.toThrow(/the bot's replies/);
    await expect(expectTurn(scripted(turn), 'hi', [/^fir/, { text: /sec/, choices: ['Yes', 'No'] }])).resolves.toEqual(turn);
  });
});
