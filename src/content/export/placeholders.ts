import { formatCheckedOn } from '../../../dialogs/topics/topic-params';
import { maxMessageLength } from '../../bot/trial-guide-bot';
import type { SiteConfig } from '../../config/site-schema';
import type { Locale } from '../../i18n/locales';

/**
 * What an i18next {{placeholder}} becomes when the bot sends the text: a value from the site file or the
 * configuration (shown in the export, so the committee reads the real numbers), or something only the
 * conversation knows (described instead). The same name can mean different things in different namespaces
 * ({{max}}: the age limit in the pre-check, the message length elsewhere), so a lookup names its key.
 */
export interface PlaceholderContext {
  site: SiteConfig;
  /** CHAT_STATE_RETENTION_DAYS and REFERRAL_RETENTION_DAYS as configured. */
  retention: { chatStateDays: number; referralDays: number };
  /** The pre-check's age range and its number of numbered questions ("Question 3 of {{total}}"). */
  precheck: { minAge: number; maxAge: number; questionCount: number };
  /** topics:registryStatus.<status> in each locale. */
  registryStatusText: Record<Locale, string>;
}

export interface PlaceholderValue {
  /** What it is and where it comes from. */
  source: string;
  /** The value the bot uses in this locale; undefined when only the conversation knows it. */
  value?: string;
}

type Resolver = (context: PlaceholderContext, locale: Locale) => PlaceholderValue;

const fromSite = (source: string, read: (site: SiteConfig, locale: Locale) => string | number): Resolver => (context, locale) => ({
  source: `site file: ${source}`,
  value: String(read(context.site, locale)),
});
const runtime = (source: string): Resolver => () => ({ source: `filled in during the chat: ${source}` });

/** Names that mean the same everywhere. */
const everywhere: Record<string, Resolver> = {
  siteName: fromSite('siteName', (site, locale) => site.siteName[locale]),
  emergencyNumber: fromSite('emergencyNumber', (site) => site.emergencyNumber),
  crisisLineName: fromSite('crisisLine.name', (site, locale) => site.crisisLine.name[locale]),
  crisisLineNumber: fromSite('crisisLine.number', (site) => site.crisisLine.number),
  coordinatorPhone: fromSite('coordinator.phone', (site) => site.coordinator.phone),
  phone: fromSite('coordinator.phone (the study team\'s public number)', (site) => site.coordinator.phone),
  email: fromSite('coordinator.email', (site) => site.coordinator.email),
  hours: fromSite('coordinator.hours', (site, locale) => site.coordinator.hours[locale]),
  days: fromSite('callbackWithinWorkingDays', (site) => site.callbackWithinWorkingDays),
  checkedOn: fromSite('registry.checkedOn (written as people of the language write dates)', (site, locale) => formatCheckedOn(site.registry.checkedOn, locale)),
  status: (context, locale) => ({ source: 'site file: registry.status, in words (topics:registryStatus.*)', value: context.registryStatusText[locale] }),
  chatStateDays: (context) => ({ source: 'configuration: CHAT_STATE_RETENTION_DAYS', value: String(context.retention.chatStateDays) }),
  retentionDays: (context) => ({ source: 'configuration: REFERRAL_RETENTION_DAYS', value: String(context.retention.referralDays) }),
  referralDays: (context) => ({ source: 'configuration: REFERRAL_RETENTION_DAYS', value: String(context.retention.referralDays) }),
  reference: runtime('the reference of the person\'s request, e.g. TG-7K3Q9'),
  name: runtime('the name the person asked to be called'),
  label: runtime('the name of one detail in the read-back (handoff:item.*)'),
  value: runtime('the detail the person gave'),
  item: runtime('one item of the list that follows'),
  age: runtime('the age the person typed'),
  number: runtime('the number of the current question'),
  count: runtime('how many requests were deleted'),
  date: runtime('the date of the last change'),
  max: () => ({ source: 'the longest message the bot reads, in characters', value: String(maxMessageLength) }),
};

/** Names whose meaning depends on the namespace or the key (checked first, most specific first). */
const scoped: Array<{ prefix: string; name: string; resolve: Resolver }> = [
  { prefix: 'terminal:', name: 'file', resolve: runtime('the log file of the terminal chat (npm run chat)') },
  { prefix: 'handoff:check.status', name: 'status', resolve: runtime('the request\'s status in words (handoff:check.statuses.*)') },
  { prefix: 'precheck:', name: 'min', resolve: (context) => ({ source: 'content/precheck.json: youngest age of the age question', value: String(context.precheck.minAge) }) },
  { prefix: 'precheck:', name: 'max', resolve: (context) => ({ source: 'content/precheck.json: oldest age of the age question', value: String(context.precheck.maxAge) }) },
  { prefix: 'precheck:', name: 'total', resolve: (context) => ({ source: 'content/precheck.json: number of numbered questions', value: String(context.precheck.questionCount) }) },
];

/** Namespaces of the coordinators' console: seen by study staff, never by participants. */
export function isStaffNamespace(namespace: string): boolean {
  return /^(console|funnel)(-|$)/.test(namespace);
}

/** `key` is `namespace:path`, e.g. `precheck:questions.age.why`. */
export function resolvePlaceholder(context: PlaceholderContext, fullKey: string, name: string, locale: Locale): PlaceholderValue {
  // The terminal chat's `replaces.<namespace>.<key>` stands in for `<namespace>:<key>`: the same values fill it.
  const replaced = /^terminal:replaces\.([\w-]+)\.(.+)$/.exec(fullKey);
  const key = replaced ? `${replaced[1]}:${replaced[2]}` : fullKey;
  const namespace = key.slice(0, key.indexOf(':'));
  const specific = scoped.find((entry) => entry.name === name && key.startsWith(entry.prefix));
  // The console fills its own values in (names, counts, times of the staff page), never the site file's.
  if (!specific && isStaffNamespace(namespace)) return { source: 'filled in by the coordinators\' console page' };
  const resolve = specific?.resolve ?? everywhere[name];
  return resolve ? resolve(context, locale) : { source: 'not known to the export: ask the developers what fills it in' };
}

export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1] ?? ''))];
}
