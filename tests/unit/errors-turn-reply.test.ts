import { ConversationState, MemoryStorage, TestAdapter, type TurnContext, UserState } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTurnErrorHandler } from '../../src/errors/turn-error-reply';
import { type Locale, supportedLocales } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { StorageUnavailableError } from '../../src/storage/storage-errors';

const i18n = createTranslator(projectRoot);
const { site } = loadConfig({ LOG_LEVEL: 'silent' });
const logger = createLogger('silent');

/** Text in another language than the profile's: the reply must follow the profile, not the text. */
const otherText: Record<Locale, string> = { en: '好的', 'zh-Hans': 'ok', 'zh-Hant': 'ok' };

/**
 * A conversation on botbuilder's TestAdapter with real user and conversation state: the first turn stores the
 * profile's language, as the bot does; later turns run `failingTurn`, and the app's onTurnError answers.
 */
function conversation(profileLocale: Locale | undefined, failingTurn: (context: TurnContext, states: { user: UserState; conversation: ConversationState }) => Promise<void>) {
  const storage = new MemoryStorage();
  const user = new UserState(storage);
  const conversationState = new ConversationState(storage);
  const failures: unknown[] = [];
  let turns = 0;
  const adapter = new TestAdapter(async (context) => {
    turns += 1;
    if (turns === 1) {
      if (profileLocale) await user.createProperty<{ locale: Locale }>('profile').set(context, { locale: profileLocale });
      await conversationState.createProperty<string>('dialogState').set(context, 'precheck');
      await user.saveChanges(context);
      await conversationState.saveChanges(context);
      return;
    }
    await failingTurn(context, { user, conversation: conversationState });
  });
  adapter.onTurnError = createTurnErrorHandler({ i18n, site, logger, conversationState, userState: user, countFailure: (error) => failures.push(error) });
  return { adapter, storage, failures };
}

/** Keys MemoryStorage holds a value for (its delete leaves the key with `undefined`). */
function storedKeys(storage: MemoryStorage): string[] {
  return Object.entries((storage as unknown as { memory: Record<string, unknown> }).memory).filter(([, value]) => value !== undefined).map(([key]) => key);
}

const storageDownReply = (locale: Locale) => {
  const t = i18n.getFixedT(locale);
  return `${t('handoff:storageDown')}\n\n${t('handoff:publicContact', { phone: site.coordinator.phone, email: site.coordinator.email, hours: site.coordinator.hours[locale] })}`;
};

describe('error replies in the turn\'s language (src/errors/turn-error-reply.ts)', () => {
  it('a failed turn is answered in the profile\'s language whatever the message was written in, and nothing else follows', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const { adapter, failures } = conversation(locale, async (context, { user }) => {
        await user.load(context);
        throw new Error('a dialog broke');
      });
      await adapter.send('start').send(otherText[locale]).assertReply(i18n.getFixedT(locale)('common:error.generic')).assertNoReply('nothing else follows', 300);
      expect(failures, locale).toHaveLength(1);
    }
  });

  it('a turn that failed before the bot read the profile still answers in the stored profile\'s language, and resets the dialogs', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const { adapter, storage } = conversation(locale, async () => {
        throw new Error('failed before any state was read');
      });
      await adapter.send('start').send(otherText[locale]).assertReply(i18n.getFixedT(locale)('common:error.generic')).assertNoReply('nothing else follows', 300);
      // The conversation's dialogs start afresh (its state is gone); the person's profile stays.
      const keys = storedKeys(storage);
      expect(keys.some((key) => key.includes('/conversations/')), locale).toBe(false);
      expect(keys.some((key) => key.includes('/users/')), locale).toBe(true);
    }
  });

  it('a storage failure is answered in the profile\'s language with the study team\'s phone, and keeps the stored state', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const { adapter, storage } = conversation(locale, async (context, { user }) => {
        await user.load(context);
        throw new StorageUnavailableError('database not reachable');
      });
      await adapter.send('start').send(otherText[locale]).assertReply(storageDownReply(locale)).assertNoReply('nothing else follows', 300);
      const keys = storedKeys(storage);
      expect(keys.some((key) => key.includes('/conversations/')), locale).toBe(true);
    }
  });

  it('with no profile: the message\'s own language, then the channel\'s locale, then English', async () => {
    const fails = async () => {
      throw new Error('boom');
    };
    const zhHans = conversation(undefined, fails);
    await zhHans.adapter.send('start').send('这个研究有什么副作用').assertReply(i18n.getFixedT('zh-Hans')('common:error.generic'));
    const zhHant = conversation(undefined, fails);
    await zhHant.adapter.send('start').send({ type: 'message', text: '2', locale: 'zh-HK' }).assertReply(i18n.getFixedT('zh-Hant')('common:error.generic'));
    const unknown = conversation(undefined, fails);
    await unknown.adapter.send('start').send({ type: 'message', text: '2', locale: 'fr-FR' }).assertReply(i18n.getFixedT('en')('common:error.generic'));
  });

  it('when storage is down and the profile was never read, it does not try storage again: the message\'s language decides', async () => {
    let reads = 0;
    const { adapter, storage } = conversation('en', async () => {
      throw new StorageUnavailableError('database not reachable');
    });
    const read = storage.read.bind(storage);
    storage.read = async (keys) => {
      reads += 1;
      return read(keys);
    };
    await adapter.send('start').send('这个研究有什么副作用').assertReply(storageDownReply('zh-Hans')).assertNoReply('nothing else follows', 300);
    // The first turn's read only (user and conversation state together, or one each): none from the error reply.
    expect(reads).toBeLessThanOrEqual(2);
    expect(reads).toBeGreaterThan(0);
  });
});
