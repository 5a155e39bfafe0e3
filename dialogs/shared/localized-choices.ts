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
 * Localized choices remembered per translator, locale, role context and spec: they depend on nothing else (until
 * resources change), and a turn localizes the open question's choices more than once (issue 11). Frozen, since
 * callers share them.
 */
const remembered = new WeakMap<i18n, Map<string, ChoiceItem>>();

/**
 * Choices for the current language, accepting typed labels and synonyms from EVERY language
 * (someone chatting in English may still type 是 or 家人).
 */
export function localizeChoices(i18nInstance: i18n, locale: Locale, specs: readonly ChoiceSpec[], context?: string): ChoiceItem[] {
  let memo = remembered.get(i18nInstance);
  if (!memo) {
    const created = new Map<string, ChoiceItem>();
    // Resources added or removed later (tests) make every remembered choice stale.
    i18nInstance.store?.on('added', () => created.clear());
    i18nInstance.store?.on('removed', () => created.clear());
    remembered.set(i18nInstance, (memo = created));
  }
  return specs.map((spec) => {
    const key = `${locale}\u0000${context ?? ''}\u0000${spec.value}\u0000${spec.labelKey}\u0000${spec.synonymsKey ?? ''}`;
    const known = memo.get(key);
    if (known) return known;
    const synonyms = supportedLocales.flatMap((other) => [
      ...(other === locale ? [] : [i18nInstance.getFixedT(other)(spec.labelKey, { context })]),
      ...synonymsIn(i18nInstance, other, spec.synonymsKey),
    ]);
    const item: ChoiceItem = Object.freeze({ value: spec.value, label: i18nInstance.getFixedT(locale)(spec.labelKey, { context }), synonyms: Object.freeze(synonyms) as string[] });
    memo.set(key, item);
    return item;
  });
}
