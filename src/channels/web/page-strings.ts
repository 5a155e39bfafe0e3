import type { Locale } from '../../i18n/locales';
import type { WebPageDependencies } from './web-page-routes';

export type PageStrings = ReturnType<typeof pageStrings>;

/** Every string the page shows in one locale, interpolated with the site's facts. */
export function pageStrings({ config, i18n: translator }: Pick<WebPageDependencies, 'config' | 'i18n'>, locale: Locale) {
  const t = translator.getFixedT(locale);
  const marker = '\u0000number\u0000';
  const [emergencyBefore = '', emergencyAfter = ''] = t('channels:web.emergency', { emergencyNumber: marker }).split(marker);
  const phone = config.site.coordinator.phone;
  return {
    siteName: config.site.siteName[locale],
    pageTitle: t('channels:web.pageTitle'),
    assistantName: t('channels:web.assistantName'),
    languageLabel: t('channels:web.languageLabel'),
    emergencyBefore,
    emergencyAfter,
    privacy: t('channels:web.privacy'),
    privacySummary: t('channels:web.privacySummary'),
    chatLabel: t('channels:web.chatLabel'),
    connecting: t('channels:web.connecting'),
    connectionFailed: t('channels:web.connectionFailed', { phone }),
    busy: t('channels:web.busy'),
    languageChanged: t('channels:web.languageChanged'),
    sendBoxPlaceholder: t('channels:web.sendBoxPlaceholder'),
    noScript: t('channels:web.noScript', { phone }),
    openChat: t('channels:web.openChat'),
    closeChat: t('channels:web.closeChat'),
  };
}

export function languageKey(locale: Locale): string {
  return { en: 'en', 'zh-Hans': 'zhHans', 'zh-Hant': 'zhHant' }[locale];
}
