/**
 * The features the intent classifier sees. The same function runs on training utterances and on what people
 * type, after the locale's normalisation table (brand -> generic, typos) and, for Chinese, the fold of
 * Traditional and written Cantonese to Simplified Mandarin words, so one Chinese model serves every writer.
 */
import { stemEnglish, type Tokenizer } from './tokenize';

const hanRun = /\p{Script=Han}+/gu;
const latinWord = /[\p{L}\p{N}]+/gu;

export type Featurizer = (text: string) => string[];

export function createFeaturizer(tokenizer: Tokenizer, stopwords: readonly string[], fold: (text: string) => string = (text) => text): Featurizer {
  const stop = new Set(stopwords.map((word) => word.normalize('NFKC').toLowerCase()));
  return (text: string): string[] => {
    const normalised = tokenizer.normalise(fold(text));
    const features: string[] = [];
    const words = [...normalised.replace(hanRun, ' ').matchAll(latinWord)].map((match) => match[0]);
    for (let i = 0; i < words.length; i += 1) {
      const word = words[i] as string;
      const stem = stemEnglish(word);
      // A bare "1" or "62" is a menu choice or an answer, never what a question is about.
      if (!stop.has(word) && !/^\d{1,2}$/.test(word)) {
        features.push(`w:${stem}`);
        // Letter 4-grams let a misspelt word ("camrelizamab", "elligible") meet its correct form.
        if (word.length >= 5) {
          const padded = `<${word}>`;
          for (let at = 0; at + 4 <= padded.length; at += 1) features.push(`c:${padded.slice(at, at + 4)}`);
        }
      }
      // Word pairs keep the function words: "how old", "can i", "who can" carry the question's intent.
      if (i + 1 < words.length) features.push(`b:${stem}_${stemEnglish(words[i + 1] as string)}`);
    }
    for (const match of normalised.matchAll(hanRun)) {
      const chars = [...match[0]];
      for (let i = 0; i < chars.length; i += 1) {
        features.push(`h1:${chars[i]}`);
        if (i + 1 < chars.length) features.push(`h2:${chars[i]}${chars[i + 1]}`);
        if (i + 2 < chars.length) features.push(`h3:${chars[i]}${chars[i + 1]}${chars[i + 2]}`);
      }
    }
    return features;
  };
}
