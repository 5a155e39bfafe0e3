import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { namespaces, readLocaleResources } from '../../src/i18n/translator';

/** Flattens nested locale JSON into key paths; arrays are one leaf (synonym lists may differ in length). */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const result = new Map<string, unknown>();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('$')) continue;
      for (const [path, leaf] of leaves(inner, prefix ? `${prefix}.${key}` : key)) result.set(path, leaf);
    }
  } else {
    result.set(prefix, value);
  }
  return result;
}

function placeholders(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1] ?? '').sort();
}

const resources = readLocaleResources(projectRoot);

describe('locale parity: ethics-approved text exists in every language', () => {
  it('every locale has the same namespace files', () => {
    for (const locale of supportedLocales) expect(Object.keys(resources[locale]).sort()).toEqual([...namespaces].sort());
  });

  for (const namespace of namespaces) {
    it(`${namespace}: same keys, same plural forms and same {{placeholders}} in en, zh-Hans and zh-Hant`, () => {
      expect.hasAssertions();
      const [first, ...others] = supportedLocales;
      const reference = leaves(resources[first][namespace]);
      for (const locale of others) {
        const candidate = leaves(resources[locale][namespace]);
        expect([...candidate.keys()].sort(), `${locale}/${namespace}.json keys differ from ${first}`).toEqual([...reference.keys()].sort());
        for (const [key, value] of reference) {
          expect(placeholders(candidate.get(key)), `${locale}/${namespace}.json "${key}" placeholders`).toEqual(placeholders(value));
          expect(typeof candidate.get(key), `${locale}/${namespace}.json "${key}" type`).toBe(typeof value);
        }
      }
    });
  }

  it('no string is empty', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      for (const namespace of namespaces) {
        for (const [key, value] of leaves(resources[locale][namespace])) {
          if (typeof value === 'string') expect(value.trim(), `${locale}/${namespace}.json "${key}"`).not.toBe('');
        }
      }
    }
  });
});
