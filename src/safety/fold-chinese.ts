import { createRequire } from 'node:module';
import type * as OpenCCModule from 'opencc-js' with { 'resolution-mode': 'import' };

// opencc-js is an ES module with a CommonJS build; this project compiles to CommonJS, so it is required.
const OpenCC = createRequire(__filename)('opencc-js/t2cn') as typeof OpenCCModule;

/** One Chinese spelling for the safety lexicons: Hong Kong and Taiwan Traditional both become Simplified. */
const hongKongToSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });
const taiwanToSimplified = OpenCC.Converter({ from: 'twp', to: 'cn' });
const han = /\p{Script=Han}/u;

/** Written Cantonese word -> Mandarin word, longest first, applied before the script is folded. */
export type CantoneseSupplement = ReadonlyArray<readonly [cantonese: string, mandarin: string]>;

/**
 * Rewrites written Cantonese to Mandarin words (佢暈咗 -> 他晕了) and folds Traditional to Simplified, so one
 * Simplified lexicon serves Mainland, Hong Kong and Taiwan writers. Text without Chinese is returned as it is.
 */
export function createChineseFolder(supplement: CantoneseSupplement): (text: string) => string {
  const ordered = [...supplement].sort((a, b) => b[0].length - a[0].length);
  return (text: string): string => {
    if (!han.test(text)) return text;
    let mandarin = text;
    for (const [cantonese, replacement] of ordered) {
      if (mandarin.includes(cantonese)) mandarin = mandarin.replaceAll(cantonese, replacement);
    }
    return taiwanToSimplified(hongKongToSimplified(mandarin));
  };
}
