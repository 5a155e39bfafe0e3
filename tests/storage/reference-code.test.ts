import { describe, expect, it } from 'vitest';
import { generateReferenceCode, parseReferenceCode, referenceAlphabet } from '../../src/security/reference-code';

describe('reference codes', () => {
  it('generates TG- plus five unambiguous characters, spread over the alphabet', () => {
    expect(referenceAlphabet).toHaveLength(31);
    for (const confusable of ['0', 'O', '1', 'I', 'L']) expect(referenceAlphabet).not.toContain(confusable);
    const codes = Array.from({ length: 2000 }, () => generateReferenceCode());
    for (const code of codes) expect(code).toMatch(/^TG-[2-9A-HJKMNP-Z]{5}$/);
    expect(new Set(codes.map((code) => code.slice(3)).join('')).size).toBe(31);
    expect(new Set(codes).size).toBeGreaterThan(1990);
  });

  it.each([
    ['TG-7K3Q9', 'TG-7K3Q9'],
    ['tg-7k3q9', 'TG-7K3Q9'],
    [' TG 7K3 Q9 ', 'TG-7K3Q9'],
    ['7K3Q9', 'TG-7K3Q9'],
    ['ＴＧ－７Ｋ３Ｑ９', 'TG-7K3Q9'],
    ['TGABC', 'TG-TGABC'],
    ['TG-TGABC', 'TG-TGABC'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseReferenceCode(input)).toBe(expected);
  });

  it.each(['TG-7K3Q0', 'TG-7K3QO', 'TG-7K3Q', 'TG-7K3Q99', 'hello', '', 'TG-'])('rejects %j', (input) => {
    expect(parseReferenceCode(input)).toBeUndefined();
  });
});
