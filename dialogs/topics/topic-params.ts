import type { TurnContext } from 'botbuilder';
import type { DialogServices } from '../dialog-services';
import { turnLocale } from '../shared/turn-locale';

/** Values every topic text may use: registry status and date from site configuration, site contacts. */
export function topicParams(services: DialogServices, context: TurnContext): Record<string, string> {
  const locale = turnLocale(context);
  const t = services.i18n.getFixedT(locale);
  const { site } = services;
  const checkedOn = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale === 'zh-Hans' ? 'zh-CN' : 'zh-TW', { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${site.registry.checkedOn}T00:00:00Z`),
  );
  return {
    status: t(`topics:registryStatus.${site.registry.status}`),
    checkedOn,
    emergencyNumber: site.emergencyNumber,
    coordinatorPhone: site.coordinator.phone,
    coordinatorEmail: site.coordinator.email,
    coordinatorHours: site.coordinator.hours[locale],
    siteName: site.siteName[locale],
  };
}
