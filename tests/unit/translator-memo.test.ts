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

  it('starts afresh when a bundle is added', () => {
    const own = createTranslator(projectRoot);
    expect(own.getFixedT('en')('common:nav.menu')).toBe(plain.getFixedT('en')('common:nav.menu'));
    own.addResourceBundle('en', 'common', { nav: { menu: 'Main menu' } }, true, true);
    expect(own.getFixedT('en')('common:nav.menu')).toBe('Main menu');
  });
});
