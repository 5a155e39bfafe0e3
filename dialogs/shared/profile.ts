import type { TurnContext } from 'botbuilder';
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
