import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction, type i18n } from 'i18next';
import { type Locale, supportedLocales } from './locales';

export const namespaces = ['common', 'topics', 'safety', 'precheck', 'handoff', 'channels', 'console', 'console-oidc', 'funnel', 'terminal'] as const;
export type Namespace = (typeof namespaces)[number];

export type Translate = TFunction;

/** Reads locales/<locale>/<namespace>.json for every shipped locale. */
export function readLocaleResources(rootDir: string): Record<Locale, Record<string, unknown>> {
  const resources = {} as Record<Locale, Record<string, unknown>>;
  for (const locale of supportedLocales) {
    const folder = path.join(rootDir, 'locales', locale);
    const bundle: Record<string, unknown> = {};
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
      bundle[path.basename(file, '.json')] = JSON.parse(readFileSync(path.join(folder, file), 'utf8'));
    }
    resources[locale] = bundle;
  }
  return resources;
}

/**
 * One i18next instance for the process. No fallback language: ethics-approved text must never silently
 * appear in another language; a missing key is caught by the parity test and returns the key here.
 */
export function createTranslator(rootDir: string): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: readLocaleResources(rootDir),
    supportedLngs: [...supportedLocales],
    fallbackLng: false,
    load: 'currentOnly',
    ns: [...namespaces],
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<i18n['init']>[0]);
  return instance;
}

export function translatorFor(i18nInstance: i18n, locale: Locale): Translate {
  return i18nInstance.getFixedT(locale);
}
