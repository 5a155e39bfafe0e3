import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Locale, supportedLocales } from '../../i18n/locales';
import { namespaces as botNamespaces } from '../../i18n/translator';

/** One user-visible entry: a string, or a list of typed phrases the bot recognises (arrays). */
export type MessageValue = string | string[];

export interface MessageEntry {
  namespace: string;
  /** Dotted path inside the namespace file, e.g. `welcome.greeting`. */
  key: string;
  /** By locale tag: the shipped locales, and override folders (zh-Hant-HK) where they change the text. */
  values: Record<string, MessageValue | undefined>;
}

export interface OverrideLocale {
  /** The folder name, e.g. `zh-Hant-HK`. */
  tag: string;
  /** The shipped locale it overrides, e.g. `zh-Hant`. */
  base: Locale;
}

export interface LocaleMessages {
  locales: readonly Locale[];
  overrides: OverrideLocale[];
  namespaces: Array<{ name: string; entries: MessageEntry[] }>;
}

/** Leaves of a locale file: `$`-keys are notes for translators and never shown. */
export function leaves(value: unknown, prefix = ''): Array<[string, MessageValue]> {
  if (Array.isArray(value)) return [[prefix, value.map(String)]];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => (key.startsWith('$') ? [] : leaves(inner, prefix ? `${prefix}.${key}` : key)));
  }
  return typeof value === 'string' ? [[prefix, value]] : [[prefix, String(value)]];
}

function readNamespaceFiles(folder: string): Map<string, Map<string, MessageValue>> {
  const files = new Map<string, Map<string, MessageValue>>();
  if (!existsSync(folder)) return files;
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')).sort()) {
    files.set(path.basename(file, '.json'), new Map(leaves(JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as unknown)));
  }
  return files;
}

/**
 * Locale folders that are not shipped locales but extend one (`zh-Hant-HK` extends `zh-Hant`): regional
 * overrides, holding only the keys whose wording differs.
 */
function overrideFolders(rootDir: string): OverrideLocale[] {
  const localesDir = path.join(rootDir, 'locales');
  return readdirSync(localesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !(supportedLocales as readonly string[]).includes(entry.name))
    .flatMap((entry) => {
      const base = [...supportedLocales].sort((a, b) => b.length - a.length).find((locale) => entry.name.startsWith(`${locale}-`));
      return base ? [{ tag: entry.name, base }] : [];
    })
    .sort((a, b) => a.tag.localeCompare(b.tag));
}

/** Every entry of every locale file, by namespace (the bot's namespaces first, in their order, then the rest). */
export function readLocaleMessages(rootDir: string): LocaleMessages {
  const overrides = overrideFolders(rootDir);
  const byLocale = new Map<string, Map<string, Map<string, MessageValue>>>();
  for (const tag of [...supportedLocales, ...overrides.map((override) => override.tag)]) byLocale.set(tag, readNamespaceFiles(path.join(rootDir, 'locales', tag)));

  const names = new Set<string>();
  for (const files of byLocale.values()) for (const name of files.keys()) names.add(name);
  const known = botNamespaces.filter((name) => names.has(name));
  const others = [...names].filter((name) => !(botNamespaces as readonly string[]).includes(name)).sort();

  return {
    locales: supportedLocales,
    overrides,
    namespaces: [...known, ...others].map((name) => {
      // Keys in file order of the first locale that has them, then any only another locale has (parity should prevent that).
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const files of byLocale.values()) {
        for (const key of files.get(name)?.keys() ?? []) {
          if (!seen.has(key)) {
            seen.add(key);
            keys.push(key);
          }
        }
      }
      return {
        name,
        entries: keys.map((key) => ({
          namespace: name,
          key,
          values: Object.fromEntries([...byLocale.entries()].map(([tag, files]) => [tag, files.get(name)?.get(key)])),
        })),
      };
    }),
  };
}

/** Looks a `namespace:key` up in one locale (for labels and the topic and consent sections). */
export function messageOf(messages: LocaleMessages, fullKey: string, locale: string): MessageValue | undefined {
  const separator = fullKey.indexOf(':');
  const namespace = messages.namespaces.find((candidate) => candidate.name === fullKey.slice(0, separator));
  return namespace?.entries.find((entry) => entry.key === fullKey.slice(separator + 1))?.values[locale];
}
