import type { TurnContext } from 'botbuilder';
import type { DialogServices } from '../dialog-services';
import { turnLocale } from '../shared/turn-locale';

/** The study team's public phone, email and hours: what a person gets whenever nothing is (or could be) stored. */
export function publicContactText(services: DialogServices, context: TurnContext): string {
  const locale = turnLocale(context);
  const { coordinator } = services.site;
  return services.i18n.getFixedT(locale)('handoff:publicContact', { phone: coordinator.phone, email: coordinator.email, hours: coordinator.hours[locale] });
}
