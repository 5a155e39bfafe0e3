import type { BotState, TurnContext } from 'botbuilder';
import type { i18n } from 'i18next';
import type { SiteConfig } from '../config/site-schema';
import { guessLocaleFromText, isLocale, type Locale, negotiateLocale } from '../i18n/locales';
import type { Logger } from '../logger';
import { ETagConflictError, isStorageFailure } from '../storage/storage-errors';
import { domainErrorCodeOf } from './domain-errors';

export interface TurnErrorHandlerOptions {
  i18n: i18n;
  site: Pick<SiteConfig, 'coordinator'>;
  logger: Logger;
  /** The conversation's state: reset after a failure that is not storage's (a broken dialog stack fails every later turn). */
  conversationState: Pick<BotState, 'delete'>;
  /** The person's state, where the profile (`profile.locale`) lives: the language their error reply is in. */
  userState: Pick<BotState, 'get' | 'load'>;
  /** Counts a failed turn (the metrics' store errors). */
  countFailure: (error: unknown) => void;
}

/**
 * The one place a failed turn is answered (botbuilder's `adapter.onTurnError`): in the person's language, with the
 * study team's phone when storage failed, never with details of the failure.
 */
export function createTurnErrorHandler(options: TurnErrorHandlerOptions): (context: TurnContext, error: Error) => Promise<void> {
  const { i18n, site, logger, conversationState, countFailure } = options;
  return async (context, error) => {
    if (isReplyChannelUnreachable(error)) {
      // The channel that should carry the reply (its serviceUrl) refused or did not answer: nothing can be
      // said to the person through it, and the dialog state is fine. Operators see it as its own line.
      logger.warn('reply channel unreachable', { channel: context.activity.channelId, code: (error as { code?: string }).code });
      return;
    }
    const storageFailed = isStorageFailure(error) || error instanceof ETagConflictError;
    logger.error('turn failed', { channel: context.activity.channelId, error, ...(domainErrorCodeOf(error) ? { code: domainErrorCodeOf(error) } : {}) });
    countFailure(error);
    const locale = await errorReplyLocale(context, options.userState, { storageFailed, logger });
    const t = i18n.getFixedT(locale);
    if (storageFailed) {
      // The stored state is still good (only this turn could not reach it, or another instance wrote first):
      // keep it, say nothing was saved, and give the study team's phone.
      const { coordinator } = site;
      await context.sendActivity(`${t('handoff:storageDown')}\n\n${t('handoff:publicContact', { phone: coordinator.phone, email: coordinator.email, hours: coordinator.hours[locale] })}`);
      return;
    }
    // A broken dialog stack would fail every later turn: start the conversation's dialogs afresh.
    await conversationState.delete(context).catch((deleteError: unknown) => logger.error('could not reset conversation state', { error: deleteError }));
    await context.sendActivity(t('common:error.generic'));
  };
}

/**
 * The language of an error reply: the person's chosen language (their profile, as this turn loaded it, or as
 * stored when the failure was not storage's), else what the message is written in, else the channel's locale.
 * A Chinese conversation that typed "ok" still hears its error in Chinese.
 */
export async function errorReplyLocale(context: TurnContext, userState: Pick<BotState, 'get' | 'load'>, options: { storageFailed: boolean; logger: Logger }): Promise<Locale> {
  let profileLocale = profileLocaleOf(userState.get(context));
  if (profileLocale === undefined && !options.storageFailed) {
    // The turn failed before the bot read the profile: read it now (storage is up, or the failure would be storage's).
    try {
      await userState.load(context);
      profileLocale = profileLocaleOf(userState.get(context));
    } catch (loadError) {
      options.logger.warn('profile not readable for the error reply', { error: loadError instanceof Error ? loadError.name : 'unknown' });
    }
  }
  return profileLocale ?? guessLocaleFromText(context.activity.text ?? '') ?? negotiateLocale(context.activity.locale) ?? 'en';
}

/** `profile.locale` of a user state object (dialogs/shared/profile.ts keeps the profile under `profile`). */
function profileLocaleOf(state: unknown): Locale | undefined {
  const locale = (state as { profile?: { locale?: unknown } } | undefined)?.profile?.locale;
  return isLocale(locale) ? locale : undefined;
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A failed POST of the reply to the channel's serviceUrl (botbuilder's connector raises a RestError with the socket's code). */
export function isReplyChannelUnreachable(error: unknown, depth = 0): boolean {
  const { name, code, error: wrapped, cause } = (error ?? {}) as { name?: string; code?: string; error?: unknown; cause?: unknown };
  if (name === 'RestError' && typeof code === 'string' && unreachableCodes.has(code)) return true;
  // botbuilder-dialogs wraps a failure inside a dialog in a DialogContextError (`error`); others use `cause`.
  return depth < 3 && [wrapped, cause].some((inner) => inner !== undefined && inner !== error && isReplyChannelUnreachable(inner, depth + 1));
}
