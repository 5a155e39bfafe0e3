import { createRequire } from 'node:module';
import { z } from 'zod';
import { contentFile, readContentFile } from '../content/content-files';
import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };

type Convert = (text: string) => string;
let converters: { characterToSimplified: Convert; hongKongToSimplified: Convert; taiwanToSimplified: Convert } | undefined;

/**
 * Character by character (fast), or with Hong Kong and Taiwan phrase tables too (網路 -> 网络; slower). Built at
 * the first Chinese text, not when this module loads: building the dictionaries was about a tenth of a start's
 * CPU, and /healthz needs none of it (issue 11).
 */
function openCC(): NonNullable<typeof converters> {
  if (!converters) {
    // opencc-js is an ES module with a CommonJS build; this project compiles to CommonJS, so it is required.
    const OpenCC = createRequire(__filename)('opencc-js/t2cn') as typeof OpenCCModule;
    converters = {
      characterToSimplified: OpenCC.Converter({ from: 't', to: 'cn' }),
      hongKongToSimplified: OpenCC.Converter({ from: 'hk', to: 'cn' }),
      taiwanToSimplified: OpenCC.Converter({ from: 'twp', to: 'cn' }),
    };
  }
  return converters;
}
const han = /\p{Script=Han}/u;

/** Written Cantonese word -> Mandarin word, applied before the script is folded. */
export type CantoneseSupplement = ReadonlyArray<readonly [cantonese: string, mandarin: string]>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites written Cantonese to Mandarin words (佢暈咗 -> 他晕了) and folds Traditional to Simplified, so one
 * Simplified lexicon or model serves Mainland, Hong Kong and Taiwan writers. Text without Chinese is returned
 * as it is. `phrases: false` folds character by character: enough for character n-grams, and 30x faster.
 */
export function createChineseFolder(supplement: CantoneseSupplement, options: { phrases?: boolean } = {}): (text: string) => string {
  const { phrases = true } = options;
  const replacements = new Map(supplement.map(([cantonese, mandarin]) => [cantonese, mandarin]));
  // One pass, longest word first at each position.
  const words = [...replacements.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const cantonese = words.length > 0 ? new RegExp(words.join('|'), 'gu') : undefined;
  const fold = phrases ? (text: string) => openCC().taiwanToSimplified(openCC().hongKongToSimplified(text)) : (text: string) => openCC().characterToSimplified(text);
  return (text: string): string => {
    if (!han.test(text)) return text;
    const mandarin = cantonese ? text.replace(cantonese, (word) => replacements.get(word) ?? word) : text;
    return fold(mandarin);
  };
}

export const cantoneseSupplementSchema = z.strictObject({
  $comment: z.array(z.string()).optional(),
  words: z.array(z.tuple([z.string().min(1), z.string()])).min(1),
});

/** content/safety/cantonese.json: written Cantonese words and their Standard Chinese. */
export const cantoneseFile = contentFile('content/safety/cantonese.json', cantoneseSupplementSchema);

const folders = new Map<string, (text: string) => string>();

/**
 * The folder over the project's Cantonese supplement (content/safety/cantonese.json), read and built once per
 * root and mode: the safety net, the medical-decision check and the recognizer share it.
 */
export function loadChineseFolder(rootDir: string, options: { phrases?: boolean } = {}): (text: string) => string {
  const key = `${rootDir}\u0000${options.phrases ?? true}`;
  let folder = folders.get(key);
  if (!folder) {
    folder = createChineseFolder(readContentFile(rootDir, cantoneseFile).words, options);
    folders.set(key, folder);
  }
  return folder;
}
