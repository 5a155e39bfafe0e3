import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator, readLocaleResources } from '../../src/i18n/translator';

const resources = readLocaleResources(projectRoot);

/** A plain i18next with the same settings and no memo: what every answer must equal. */
const plain = i18next.createInstance();
void plain.init({ initAsync: false, resources, supportedLngs: [...supportedLocales], fallbackLng: false, load: 'currentOnly', ns: Object.keys(resources.en), defaultNS: 'common', interpolation: { escapeValue: false }, returnNull: false, showSupportNotice: false } as Parameters<typeof plain.init>[0]);

/** Every key path of a namespace's JSON, leaves and objects. */
function keysOf(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => [...(prefix && !Array.isArray(inner) ? [prefix] : []), ...keysOf(inner, prefix ? `${prefix}.${key}` : key)]);
}

describe('the translator remembers what getFixedT(locale) answers', () => {
  const memo = createTranslator(projectRoot);

  it('answers every key of every namespace and locale exactly as plain i18next does, the first time and again', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const remembered = memo.getFixedT(locale);
      const fresh = plain.getFixedT(locale);
      for (const [namespace, bundle] of Object.entries(resources[locale])) {
        for (const key of keysOf(bundle)) {
          const full = `${namespace}:${key}`;
          for (const options of [undefined, { returnObjects: true }, { context: 'caregiver' }, { count: 2 }]) {
            const expected: unknown = fresh(full, options);
            expect(remembered(full, options)).toEqual(expected);
            expect(remembered(full, options)).toEqual(expected);
          }
        }
      }
    }
  });

  it('gives one function per locale and namespace, and shares frozen objects', () => {
    expect(memo.getFixedT('zh-Hans')).toBe(memo.getFixedT('zh-Hans'));
    expect(memo.getFixedT('zh-Hans')).not.toBe(memo.getFixedT('zh-Hant'));
    expect(memo.getFixedT('en', 'safety')).not.toBe(memo.getFixedT('en'));
    const words: unknown = memo.getFixedT('en')('handoff:ask.emailSkipWords', { returnObjects: true });
    expect(Array.isArray(words)).toBe(true);
    expect(Object.isFrozen(words)).toBe(true);
    expect(memo.getFixedT('en')('handoff:ask.emailSkipWords', { returnObjects: true })).toBe(words);
  });

  it('does not remember text interpolated from strings (a name or what was typed), and still fills it in', () => {
    const t = memo.getFixedT('en');
    const first = t('common:help', { emergencyNumber: '999' });
    const second = t('common:help', { emergencyNumber: '112' });
    expect(first).toContain('999');
    expect(second).toContain('112');
    expect(second).not.toContain('999');
  });

  it('fills string values into every key of every locale exactly as plain i18next does, values that look like syntax included', () => {
    expect.hasAssertions();
    const odd = ['$& $1 $$ {{name}} $t(common:nav.menu)', '\uE0000\uE001', ''];
    const variablesIn = (value: unknown) => [...new Set(JSON.stringify(value).match(/\{\{\s*[^{}\s,]+\s*\}\}/gu)?.map((found) => found.slice(2, -2).trim()))];
    for (const locale of supportedLocales) {
      const remembered = memo.getFixedT(locale);
      const fresh = plain.getFixedT(locale);
      for (const [namespace, bundle] of Object.entries(resources[locale])) {
        for (const key of keysOf(bundle)) {
          // The key's own {{variables}}, each given a string; the odd ones must come out as typed.
          const variables = variablesIn(key.split('.').reduce<unknown>((inner, part) => (inner as Record<string, unknown>)[part], bundle));
          if (variables.length === 0) continue;
          const full = `${namespace}:${key}`;
          for (const [round, text] of odd.entries()) {
            // Plus one the text does not use: a string value is then always swapped for a placeholder.
            const values = Object.fromEntries([...variables, 'unused'].map((name, index) => [name, `${text}<${name}:${index + round}>`]));
            for (const options of [values, { ...values, context: 'caregiver' }, { count: 1, ...values }] as Record<string, string | number>[]) {
              expect(remembered(full, options)).toEqual(fresh(full, options));
            }
          }
        }
      }
    }
  });

  it('starts afresh when a bundle is added', () => {
    const own = createTranslator(projectRoot);
    expect(own.getFixedT('en')('common:nav.menu')).toBe(plain.getFixedT('en')('common:nav.menu'));
    own.addResourceBundle('en', 'common', { nav: { menu: 'Main menu' } }, true, true);
    expect(own.getFixedT('en')('common:nav.menu')).toBe('Main menu');
  });
});
