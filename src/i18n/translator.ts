import { readdirSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction, type i18n } from 'i18next';
import { z } from 'zod';
import { readJsonFile } from '../content/content-files';
import { type Locale, supportedLocales } from './locales';

export const namespaces = ['common', 'topics', 'safety', 'precheck', 'handoff', 'channels', 'console', 'console-oidc', 'funnel', 'terminal'] as const;
export type Namespace = (typeof namespaces)[number];

export type Translate = TFunction;

/**
 * One namespace file: an object of keys (the parity and term tests check the keys and texts; checking every leaf
 * here cost 60-140 ms of each start).
 */
const localeMessagesSchema = z.record(z.string(), z.unknown());

/** Reads locales/<locale>/<namespace>.json for every shipped locale, each checked against the one schema of a namespace file. */
export function readLocaleResources(rootDir: string): Record<Locale, Record<string, unknown>> {
  const resources = {} as Record<Locale, Record<string, unknown>>;
  for (const locale of supportedLocales) {
    const folder = path.join(rootDir, 'locales', locale);
    const bundle: Record<string, unknown> = {};
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
      bundle[path.basename(file, '.json')] = readJsonFile(path.join(folder, file), localeMessagesSchema, `locales/${locale}/${file}`);
    }
    resources[locale] = bundle;
  }
  return resources;
}

type FixedT = ReturnType<i18n['getFixedT']>;

/** i18next options that only pick text (never carry a person's words), so a call with them may be remembered. */
const selectingOptions = new Set(['returnObjects', 'context', 'count', 'ns', 'lng']);
/**
 * Options i18next itself reads (besides the selecting ones): a string in one of these changes what t() does,
 * so it is never swapped for a placeholder (see memoCallOf) and such a call is not remembered.
 */
const behaviourOptions = new Set([
  'replace', 'lngs', 'fallbackLng', 'keySeparator', 'nsSeparator', 'joinArrays', 'postProcess', 'interpolation', 'keyPrefix',
  'ordinal', 'returnDetails', 'skipInterpolation', 'nest', 'applyPostProcessor', 'appendNamespaceToCIMode', 'missingKeyNoValueFallbackToKey',
]);
/** Remembered calls per instance before the memo starts afresh (there are a few thousand keys in all). */
const memoLimit = 20_000;
/** Stands for the n-th string value in a remembered text (private-use characters: in no resource). */
const placeholder = (index: number): string => `\uE000${index}\uE001`;
const placeholders = /\uE000(\d+)\uE001/g;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}

interface MemoCall {
  /** What identifies the remembered text: the key and the options, string values replaced by placeholders. */
  memoKey: string;
  /** The call that makes that text: the same options, with the placeholders. */
  args: unknown[];
  /** The string values, by placeholder number, filled into the remembered text. */
  values: string[];
}

/**
 * How a t() call is remembered, or undefined when it must not be: any other argument shape, or a string in an
 * option i18next reads. An interpolation value that is a string (it may be what a person typed, or their name)
 * is never kept: the text is remembered with a placeholder in its place and the value filled in on each call,
 * the same text i18next makes (no resource formats or nests a value; a value is never interpolated again).
 * Objects (`returnObjects`) are remembered only without string values. Numbers and booleans only pick plural
 * forms and the like, and are part of the key.
 */
function memoCallOf(args: unknown[]): MemoCall | undefined {
  const [key, options] = args;
  if (args.length > 2 || (typeof key !== 'string' && !(Array.isArray(key) && key.every((item) => typeof item === 'string')))) return undefined;
  if (options === undefined) return { memoKey: typeof key === 'string' ? key : JSON.stringify(key), args, values: [] };
  if (typeof options !== 'object' || options === null || Object.getPrototypeOf(options) !== Object.prototype) return undefined;
  const values: string[] = [];
  let templated: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || typeof value === 'number' || typeof value === 'boolean') continue;
    if (typeof value !== 'string' || behaviourOptions.has(name) || name.startsWith('defaultValue')) return undefined;
    // A value that holds a placeholder's opening character (none that people type) is answered by i18next alone.
    if (value.includes('\uE000')) return undefined;
    if (selectingOptions.has(name)) continue;
    templated ??= { ...options };
    templated[name] = placeholder(values.length);
    values.push(value);
  }
  if (values.length > 0 && (options as Record<string, unknown>).returnObjects === true) return undefined;
  const callOptions = templated ?? options;
  return { memoKey: JSON.stringify([key, callOptions]), args: [key, callOptions], values };
}

/**
 * Makes `getFixedT(locale[, namespace])` return one remembering t() per locale and namespace. The bot
 * re-localises the same choices, synonyms and prompts several times a turn, and i18next resolves each call
 * afresh (about a sixth of a turn's CPU under load, issue 11; prompts with the site's phone number or name in
 * them were the last ~1%). Results are the same: resources do not change after start (the memo starts afresh if
 * a bundle is added or removed); objects (`returnObjects`) are frozen, since every caller shares them.
 */
function rememberTranslations(instance: i18n): void {
  const original = instance.getFixedT.bind(instance);
  const fixed = new Map<string, FixedT>();
  const memo = new Map<string, unknown>();
  const forget = (): void => memo.clear();
  instance.store.on('added', forget);
  instance.store.on('removed', forget);
  instance.getFixedT = ((...args: Parameters<i18n['getFixedT']>) => {
    const [lng, ns, keyPrefix] = args;
    if (typeof lng !== 'string' || (ns !== undefined && typeof ns !== 'string') || keyPrefix !== undefined || args.length > 2) return original(...args);
    const id = `${lng}\u0000${ns ?? ''}`;
    let t = fixed.get(id);
    if (!t) {
      const fixedT = original(lng, ns);
      const translate = fixedT as unknown as ((...inner: unknown[]) => unknown) & { lng?: string; ns?: unknown; keyPrefix?: unknown };
      const remembering = (...callArgs: unknown[]): unknown => {
        const call = memoCallOf(callArgs);
        if (call === undefined) return translate(...callArgs);
        const memoKey = `${id}\u0000${call.memoKey}`;
        let text: unknown;
        if (memo.has(memoKey)) text = memo.get(memoKey);
        else {
          text = deepFreeze(translate(...call.args));
          if (memo.size >= memoLimit) memo.clear();
          memo.set(memoKey, text);
        }
        if (call.values.length === 0) return text;
        // Not a text (a missing key's object): no placeholders to fill, so i18next answers the call itself.
        if (typeof text !== 'string') return translate(...callArgs);
        return text.replace(placeholders, (_match, index: string) => call.values[Number(index)] ?? '');
      };
      t = Object.assign(remembering, { lng: translate.lng, ns: translate.ns, keyPrefix: translate.keyPrefix }) as unknown as FixedT;
      fixed.set(id, t);
    }
    return t;
  }) as i18n['getFixedT'];
}

/**
 * One i18next instance for the process. No fallback language: ethics-approved text must never silently
 * appear in another language; a missing key is caught by the parity test and returns the key here.
 * `getFixedT` remembers its answers (rememberTranslations).
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
  rememberTranslations(instance);
  return instance;
}

export function translatorFor(i18nInstance: i18n, locale: Locale): Translate {
  return i18nInstance.getFixedT(locale);
}
