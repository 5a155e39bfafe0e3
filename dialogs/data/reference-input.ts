import { parseReferenceCode } from '../../src/security/reference-code';

/**
 * The referral reference in what a person typed: the whole message ("tg7k3q9", "TG-7K3Q9", "ＴＧ－７Ｋ３Ｑ９",
 * "7K3Q9", "TG 7K3 Q9"), or a TG-prefixed code inside a sentence ("my reference is TG-7K3Q9, thanks").
 * Canonical "TG-XXXXX", or undefined.
 */
export function extractReference(text: string): string | undefined {
  const whole = parseReferenceCode(text);
  if (whole) return whole;
  const normalised = text.normalize('NFKC');
  const inSentence = /(?<![A-Za-z0-9])TG[\s\-–—_.]*((?:[A-Za-z0-9][\s\-]?){5})(?![A-Za-z0-9])/i.exec(normalised);
  return inSentence?.[1] ? parseReferenceCode(inSentence[1]) : undefined;
}
