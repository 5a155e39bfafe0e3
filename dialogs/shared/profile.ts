import type { BotState, TurnContext } from 'botbuilder';
import type { Locale } from '../../src/i18n/locales';
import type { Role } from './turn-locale';

/** What the bot remembers about the person between turns: no personal data, only preferences. */
export interface Profile {
  locale?: Locale;
  role?: Role;
}

export interface ProfileAccessor {
  get(context: TurnContext): Promise<Profile>;
  update(context: TurnContext, change: Partial<Profile>): Promise<void>;
}

/**
 * The profile in the person's state (user state, property `profile`): reads are copies, updates merge. Built by the
 * composition root before the dialogs and the bot, which both use it.
 */
export function createProfileAccessor(userState: Pick<BotState, 'createProperty'>): ProfileAccessor {
  const property = userState.createProperty<Profile>('profile');
  return {
    get: async (context) => ({ ...(await property.get(context, {})) }),
    update: async (context, change) => {
      const current = await property.get(context, {});
      await property.set(context, { ...current, ...change });
    },
  };
}
