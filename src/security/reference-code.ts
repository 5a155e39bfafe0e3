import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a reference read out over the phone or copied by hand stays unambiguous. */
export const referenceAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const referencePrefix = 'TG-';
const codeLength = 5;

/** `TG-` + 5 characters (31^5 ≈ 28.6 million codes); the store retries on the rare collision. */
export function generateReferenceCode(): string {
  let code = '';
  for (let index = 0; index < codeLength; index += 1) code += referenceAlphabet[randomInt(referenceAlphabet.length)];
  return `${referencePrefix}${code}`;
}

const codePattern = new RegExp(`^[${referenceAlphabet}]{${codeLength}}$`);

/**
 * Canonical form of a reference as a person types it: any case, full-width characters from a Chinese
 * input method, spaces or dashes, with or without the `TG` prefix. Undefined when it cannot be one.
 */
export function parseReferenceCode(input: string): string | undefined {
  const compact = input.normalize('NFKC').toUpperCase().replace(/[\s\-–—_.]/g, '');
  // By length, not by a leading "TG": a bare code may itself start with T and G.
  const code = compact.length === codeLength + 2 && compact.startsWith('TG') ? compact.slice(2) : compact;
  return codePattern.test(code) ? `${referencePrefix}${code}` : undefined;
}
