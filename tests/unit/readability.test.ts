import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Every English string the bot can show must read at or below US grade 8 (Flesch-Kincaid), so that anxious
 * older patients and their families can follow it on a phone. Short strings (buttons, labels) give
 * meaningless grades, so only strings of MIN_WORDS words or more are measured.
 */
const MAX_GRADE = 8;
const MIN_WORDS = 12;

/**
 * Medicine and disease names cannot be simplified away; each one would count as a long word and punish the
 * sentence around it. They are swapped for a one-syllable word before measuring. Keep this list short.
 */
const UNAVOIDABLE_NAMES = [
  'camrelizumab',
  'apatinib',
  'nasopharyngeal',
  'carcinoma',
  'immunotherapy',
  'nasopharynx',
  'metastatic',
  'toripalimab',
  'tislelizumab',
  'pembrolizumab',
  'nivolumab',
  'sintilimab',
  'penpulimab',
  'anlotinib',
  'bevacizumab',
];
const unavoidableName = new RegExp(`\\b(?:${UNAVOIDABLE_NAMES.join('|')})\\b`, 'gi');
const placeholder = /\{\{[^}]*\}\}/g;

interface Readability {
  fleschKincaidGrade(text: string): number;
}

const enFolder = path.join(__dirname, '..', '..', 'locales', 'en');

interface LocaleString {
  where: string;
  text: string;
}

function collectStrings(value: unknown, where: string, into: LocaleString[]): void {
  if (typeof value === 'string') {
    into.push({ where, text: value });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collectStrings(item, `${where}[${index}]`, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      // "$comment"-style keys are notes for translators, never shown to users.
      if (key.startsWith('$')) continue;
      collectStrings(child, `${where}.${key}`, into);
    }
  }
}

function englishStrings(): LocaleString[] {
  const strings: LocaleString[] = [];
  for (const file of readdirSync(enFolder).filter((name) => name.endsWith('.json')).sort()) {
    const namespace = path.basename(file, '.json');
    collectStrings(JSON.parse(readFileSync(path.join(enFolder, file), 'utf8')), namespace, strings);
  }
  return strings;
}

/** The text as the grade formula should see it: placeholders gone, unavoidable names made short. */
function prepareForGrading(text: string): string {
  return text.replace(placeholder, ' ').replace(unavoidableName, 'drug').replace(/\s+/g, ' ').trim();
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

describe('English reading level', () => {
  let readability: Readability;

  beforeAll(async () => {
    // text-readability is an ESM-only package without types; a computed specifier keeps tsc (CommonJS
    // output) from turning this into a require() and lets vitest load it as ESM.
    const specifier = 'text-readability';
    const loaded = (await import(specifier)) as { default: Readability };
    readability = loaded.default;
  });

  it('grades plain and hard sentences as expected, so the check itself can fail', () => {
    const plain = 'The study team will call you. They can tell you more about the visits and the tests.';
    const hard =
      'Participation necessitates comprehensive documentation of eligibility determinations, including laboratory evaluations and radiological assessments conducted institutionally.';
    expect(readability.fleschKincaidGrade(prepareForGrading(plain))).toBeLessThanOrEqual(MAX_GRADE);
    expect(readability.fleschKincaidGrade(prepareForGrading(hard))).toBeGreaterThan(MAX_GRADE);
    expect(prepareForGrading('Camrelizumab plus {{dose}} apatinib.')).toBe('drug plus drug.');
  });

  it(`keeps every English string of ${MIN_WORDS}+ words at or below grade ${MAX_GRADE}`, () => {
    expect.hasAssertions();
    const strings = englishStrings();
    let measured = 0;
    for (const { where, text } of strings) {
      const prepared = prepareForGrading(text);
      if (wordCount(prepared) < MIN_WORDS) continue;
      const grade = readability.fleschKincaidGrade(prepared);
      measured += 1;
      expect(grade, `${where} reads at grade ${grade} (max ${MAX_GRADE}): "${text}"`).toBeLessThanOrEqual(MAX_GRADE);
    }
    // The topic answers alone are well over this; fewer means the walk over the locale files broke.
    expect(measured).toBeGreaterThan(30);
  });

  it('says "did not work" or "stopped working" to patients, never "failed"', () => {
    expect.hasAssertions();
    const strings = englishStrings();
    expect(strings.length).toBeGreaterThan(100);
    for (const { where, text } of strings) expect(text, where).not.toMatch(/\bfail(s|ed|ure)?\b/i);
  });
});
