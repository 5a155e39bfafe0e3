import { type Activity, ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import type { i18n } from 'i18next';
import type { SiteConfig } from '../config/site-schema';
import { ignoreEvents, type StudyEventSink } from '../events/study-events';
import { type Locale, guessLocaleFromText, negotiateLocale } from '../i18n/locales';
import type { Logger } from '../logger';
import { type EmergencyMatch, asksAboutUrgentCare, detectEmergency } from '../safety/emergency-detector';

/** Set in turn state when the safety net answered this turn; the value is the EmergencyCategory. */
export const emergencyTurnStateKey = 'trialguide.emergency';

export interface SafetyMiddlewareDependencies {
  readonly i18n: i18n;
  readonly site: SiteConfig;
  readonly logger: Logger;
  /** Hears each answered sign (category and certainty only); none: not recorded. */
  readonly events?: StudyEventSink;
}

const maxValueDepth = 3;

/** Card submits and WeChat-style postbacks carry the person's words in `value`; they are checked too. */
function stringsIn(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (depth >= maxValueDepth || value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap((inner) => stringsIn(inner, depth + 1));
}

function findEmergency(activity: Activity): { match: EmergencyMatch; text: string } | undefined {
  const texts = [...(typeof activity.text === 'string' ? [activity.text] : []), ...stringsIn(activity.value)];
  for (const text of texts) {
    const match = detectEmergency(text);
    if (match) return { match, text };
  }
  return undefined;
}

/**
 * The locale for the reply, found without any storage: the script of the message itself, else the channel's
 * locale, else English. Chinese written only with characters shared by both scripts ("我爸爸一直在咳血") says
 * nothing about the script, so there the channel's locale decides. Appending one Traditional-only character
 * and seeing the guess flip is how a tie is told apart from a Simplified majority.
 */
function replyLocale(text: string, channelLocale: string | undefined): Locale {
  const fromText = guessLocaleFromText(text);
  const fromChannel = negotiateLocale(channelLocale);
  const scriptTie = fromText === 'zh-Hans' && guessLocaleFromText(`${text}們`) === 'zh-Hant';
  if (scriptTie && fromChannel === 'zh-Hant') return fromChannel;
  return fromText ?? fromChannel ?? 'en';
}

/**
 * First middleware on every adapter: an emergency sign gets the emergency (or crisis) reply at once and the
 * turn ends there, so no dialog advances and the person's next message continues where they were. A sign
 * the words do not place in the present gets the short "if this is happening now, call" line first, and
 * the turn then goes on. It uses
 * no storage, so it still answers when storage is down. Only the category is logged, never the words.
 */
export function createSafetyMiddleware(deps: SafetyMiddlewareDependencies): Middleware {
  const { i18n: translations, site, logger, events = ignoreEvents } = deps;
  return {
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
      const found = context.activity.type === 'message' ? findEmergency(context.activity) : undefined;
      if (!found) {
        // "Should I call an ambulance?" with no sign named: the short "if this is happening now" line, then the turn goes on.
        const text = context.activity.type === 'message' && typeof context.activity.text === 'string' ? context.activity.text : '';
        if (text && asksAboutUrgentCare(text)) {
          const locale = replyLocale(text, context.activity.locale);
          logger.warn('safety net answered a question about urgent care', { locale, channelId: context.activity.channelId });
          await context.sendActivity({ type: ActivityTypes.Message, text: translations.getFixedT(locale, 'safety')('emergencyIfNow', { emergencyNumber: site.emergencyNumber }), locale });
        }
        await next();
        return;
      }
      const { category, certainty } = found.match;
      const locale = replyLocale(found.text, context.activity.locale);
      const t = translations.getFixedT(locale, 'safety');
      context.turnState.set(emergencyTurnStateKey, category);
      events.record({ type: 'safetyTriggered', category, certainty: certainty === 'now' ? 'clear' : 'unclear' }, { locale, channel: context.activity.channelId });
      if (certainty === 'unclear' && category !== 'self-harm') {
        // A sign without words saying it is happening now: the number first, then the turn goes on as usual.
        logger.warn('safety net answered a possible emergency sign', { category, certainty, locale, channelId: context.activity.channelId });
        await context.sendActivity({ type: ActivityTypes.Message, text: t('emergencyIfNow', { emergencyNumber: site.emergencyNumber }), locale });
        await next();
        return;
      }
      const firstReply =
        category === 'self-harm'
          ? t('selfHarm', { crisisLineName: site.crisisLine.name[locale], crisisLineNumber: site.crisisLine.number, emergencyNumber: site.emergencyNumber })
          : t('emergency', { emergencyNumber: site.emergencyNumber });
      logger.warn('safety net answered an emergency sign', { category, certainty, locale, channelId: context.activity.channelId });
      await context.sendActivities([
        { type: ActivityTypes.Message, text: firstReply, locale },
        { type: ActivityTypes.Message, text: t('offerToContinue'), locale },
      ]);
    },
  };
}
