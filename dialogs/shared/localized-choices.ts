import type { i18n } from 'i18next';
import { type Locale, supportedLocales } from '../../src/i18n/locales';
import type { ChoiceItem } from './choices';

/** A choice as stored in dialog state: keys, not text, so a language switch re-renders it. */
export interface ChoiceSpec {
  value: string;
  labelKey: string;
  /** i18n key of an array of other words people type for this choice. */
  synonymsKey?: string;
}

function synonymsIn(i18nInstance: i18n, locale: Locale, key: string | undefined): string[] {
  if (!key) return [];
  const value: unknown = i18nInstance.getFixedT(locale)(key, { returnObjects: true });
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Choices for the current language, accepting typed labels and synonyms from EVERY language
 * (someone chatting in English may still type 是 or 家人).
 */
export function localizeChoices(i18nInstance: i18n, locale: Locale, specs: readonly ChoiceSpec[], context?: string): ChoiceItem[] {
  return specs.map((spec) => {
    const synonyms = supportedLocales.flatMap((other) => [
      ...(other === locale ? [] : [i18nInstance.getFixedT(other)(spec.labelKey, { context })]),
      ...synonymsIn(i18nInstance, other, spec.synonymsKey),
    ]);
    return { value: spec.value, label: i18nInstance.getFixedT(locale)(spec.labelKey, { context }), synonyms };
  });
}
