import type { TurnContext } from 'botbuilder';
import { formatDate, type Locale } from '../../src/i18n/locales';
import type { DialogServices } from '../dialog-services';
import { turnLocale } from '../shared/turn-locale';

/**
 * How long each kind of data is kept, as the privacy and consent texts state it. The defaults equal the
 * configuration defaults (CHAT_STATE_RETENTION_DAYS, REFERRAL_RETENTION_DAYS; a test keeps them equal); the
 * composition root passes the configured values as `services.retention` so the texts always tell the truth.
 */
export interface RetentionForTexts {
  /** Chat state (language, answers, pre-check answers) of a conversation idle this many days is deleted. */
  chatStateDays: number;
  /** A request for a call (referral) is deleted this many days after it was made. */
  referralDays: number;
}

export const defaultRetentionForTexts: RetentionForTexts = { chatStateDays: 30, referralDays: 180 };

/** DialogServices, optionally with the configured retention (until every composition root passes it). */
export type ServicesWithRetention = DialogServices & { readonly retention?: Partial<RetentionForTexts> };

export function retentionForTexts(services: ServicesWithRetention): RetentionForTexts {
  return { ...defaultRetentionForTexts, ...services.retention };
}

/** The registry's date as people of the locale write it, e.g. "1 November 2026", "2026年11月1日". */
export function formatCheckedOn(isoDate: string, locale: Locale): string {
  // A calendar date, not an instant: read and written in UTC so no time zone moves it a day.
  return formatDate(new Date(`${isoDate}T00:00:00Z`), locale, 'UTC');
}

/**
 * Values from the site file and configuration that texts may use, in the given language: registry status and
 * the date it was checked, the emergency number, the site's name, the study team's contacts and how long
 * data is kept.
 */
export function siteTextParams(services: ServicesWithRetention, locale: Locale): Record<string, string | number> {
  const t = services.i18n.getFixedT(locale);
  const { site } = services;
  const retention = retentionForTexts(services);
  return {
    status: t(`topics:registryStatus.${site.registry.status}`),
    checkedOn: formatCheckedOn(site.registry.checkedOn, locale),
    emergencyNumber: site.emergencyNumber,
    coordinatorPhone: site.coordinator.phone,
    coordinatorEmail: site.coordinator.email,
    coordinatorHours: site.coordinator.hours[locale],
    siteName: site.siteName[locale],
    chatStateDays: retention.chatStateDays,
    referralDays: retention.referralDays,
    // i18next's context: a text with a `_studySite` variant (topics:locations.answer_studySite) uses it when
    // this hospital takes part in the study; every other text is unaffected.
    ...(site.studySite ? { context: 'studySite' } : {}),
  };
}

/** Values every topic text may use (see `siteTextParams`), in the turn's language. */
export function topicParams(services: DialogServices, context: TurnContext): Record<string, string | number> {
  return siteTextParams(services, turnLocale(context));
}
