import { performance } from 'node:perf_hooks';
import type { Middleware, TurnContext } from 'botbuilder';
import type { Counter, Histogram } from 'prom-client';
import { turnLocale } from '../../dialogs/shared/turn-locale';
import { guessLocaleFromText, negotiateLocale } from '../i18n/locales';
import { channelOfTurn, localeLabel, oneOf } from './labels';

/** Set by `observeBot` once the bot's logic ran: from then on the turn's language is the one the bot decided. */
const reachedBotKey = Symbol('trialguide.metrics.reachedBot');

const activityType = oneOf(['message', 'conversationUpdate', 'event', 'invoke', 'messageReaction', 'installationUpdate', 'typing', 'endOfConversation']);

export interface TurnMetricSeries {
  turns: Counter<'channel' | 'locale' | 'type' | 'outcome'>;
  duration: Histogram<'channel' | 'type'>;
}

/** Wraps the bot's logic to mark that it ran (and so decided the turn's locale). */
export function observeBot(logic: (context: TurnContext) => Promise<void>): (context: TurnContext) => Promise<void> {
  return async (context) => {
    try {
      await logic(context);
    } finally {
      context.turnState.set(reachedBotKey, true);
    }
  };
}

/**
 * The turn's language: the bot's decision when the turn reached it; otherwise (the safety net answered an
 * emergency first) what the channel or the words say.
 */
function localeOfTurn(context: TurnContext): string {
  if (context.turnState.get(reachedBotKey) === true) return turnLocale(context);
  return localeLabel(negotiateLocale(context.activity.locale) ?? guessLocaleFromText(context.activity.text ?? ''));
}

/**
 * Counts every turn and times it, from the first middleware to the end of the bot's logic (the safety net,
 * the serializer's wait, the dialogs and the state write included). Registered first, so it sees turns the
 * safety net ends early and turns that fail (then rethrows: onTurnError still answers the person).
 * `now` is in milliseconds on a monotonic clock.
 */
export function createTurnMetricsMiddleware(series: TurnMetricSeries, now: () => number = () => performance.now()): Middleware {
  return {
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
      const started = now();
      let outcome: 'ok' | 'error' = 'error';
      try {
        await next();
        outcome = 'ok';
      } finally {
        const channel = channelOfTurn(context);
        const type = activityType(context.activity.type);
        series.duration.observe({ channel, type }, (now() - started) / 1000);
        series.turns.inc({ channel, type, outcome, locale: localeOfTurn(context) });
      }
    },
  };
}
