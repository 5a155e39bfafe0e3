import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChineseFolder } from '../../src/i18n/fold-chinese';
import { foldCodeUnit, GatedPatternList, isModelledCharacter, LiteralIndex, requiredLiterals, storedPatternLiterals } from '../../src/safety/pattern-prefilter';
import { normalizeAndFold, normalizeForMatching } from '../../src/safety/text-normalizer';
import { projectRoot } from '../../src/config/load-config';
import { seededRandom } from '../../src/nlu/seeded-random';

const fold = (text: string) => Array.from({ length: text.length }, (_, index) => String.fromCharCode(foldCodeUnit(text.charCodeAt(index)))).join('');
/** Whether every clause has a string in the text (what a match requires). */
const clausesMet = (clauses: readonly (readonly string[])[], text: string) => clauses.every((clause) => clause.some((literal) => fold(text).includes(literal)));


describe('required literals of a pattern', () => {
  it('reads literals, alternations, optional parts, classes, quantifiers, lookarounds and escapes', () => {
    expect(requiredLiterals('\\bbl(?:ee|e)d\\w*', 'giu')).toEqual([['bled', 'bleed']]);
    expect(requiredLiterals('(?:去)?(?:看|睇)医生', 'iu')).toEqual([['看医生', '睇医生']]);
    expect(requiredLiterals('(?<![验抽])血(?![压糖])', 'iu')).toEqual([['血']]);
    expect(requiredLiterals('[吃食]{2}药', 'iu')).toEqual([['吃吃药', '吃食药', '食吃药', '食食药']]);
    // Runs longer than 8 code units end there: the index holds short strings.
    expect(requiredLiterals('Chest\\.? (?:pain|hurts)', 'iu')).toEqual([['chest ', 'chest. '], ['pain', 'hurts']]);
    expect(requiredLiterals('\\u8840\\x41', 'iu')).toEqual([['血a']]);
    // Parts that can match nothing or anything end a literal; each side is required on its own.
    expect(requiredLiterals('can(?: \\w+)* breathe', 'iu')).toEqual([[' breathe'], ['can']]);
    expect(requiredLiterals('(?:stop|quit)+ now', 'iu')).toEqual([['stop', 'quit'], [' now']]);
  });

  it('gives nothing (the pattern always runs) for what it does not model or cannot require', () => {
    expect(requiredLiterals('\\w+', 'iu')).toBeUndefined();
    expect(requiredLiterals('a|\\d', 'iu')).toBeUndefined();
    expect(requiredLiterals('(?:blood)?', 'iu')).toBeUndefined();
    expect(requiredLiterals('(a)\\1', 'iu')).toEqual([['a']]);
    expect(requiredLiterals('é', 'iu')).toBeUndefined();
    expect(requiredLiterals('[^a]', 'iu')).toBeUndefined();
    expect(requiredLiterals('blood', 'i')).toBeUndefined();
  });

  it('models case-insensitive matching exactly as the engine does (every code point checked)', () => {
    const asciiLetter = /[a-z]/iu;
    const asciiOther = /[\0-@[-`{-\x7f]/iu;
    const modelledNonAscii = /[\u2000-\u206f\u3000-\u303f\uff01-\uff20\uff3b-\uff40\uff5b-\uff65\p{Script=Han}]/iu;
    const changesWhenFolded = /\p{Changes_When_Casefolded}/u;
    const lettersMatched: number[] = [];
    let checked = 0;
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const character = String.fromCodePoint(codePoint);
      if (asciiLetter.test(character)) lettersMatched.push(codePoint);
      // Case-insensitive matching never leads out of the modelled characters that are not ASCII letters...
      if (asciiOther.test(character) && !(codePoint < 0x80)) throw new Error(`U+${codePoint.toString(16)} matches an ASCII character`);
      const modelled = isModelledCharacter(codePoint);
      if (modelledNonAscii.test(character) !== (modelled && codePoint >= 0x80)) throw new Error(`U+${codePoint.toString(16)}: modelled characters disagree with the class`);
      // ...and none of them has a case of its own, so two of them are never the same letter.
      if (modelled && !/[a-z]/i.test(character) && changesWhenFolded.test(character)) throw new Error(`U+${codePoint.toString(16)} has case`);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(1_000_000);
    expect(lettersMatched.map((codePoint) => String.fromCodePoint(codePoint)).join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u017f\u212a');
    for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
      for (const codePoint of lettersMatched) {
        const character = String.fromCodePoint(codePoint);
        expect(new RegExp(letter, 'iu').test(character)).toBe(fold(character) === letter);
      }
    }
  });

  it('never rules out a text a random pattern matches (2,000 patterns against 150 random texts)', () => {
    expect.hasAssertions();
    const next = seededRandom(11);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const alphabet = ['a', 'b', 'A', 'B', 's', 'S', '\u017f', 'k', 'K', '\u212a', '血', '压', ' ', '.', '1', 'é', 'É'];
    const atoms = ['a', 'b', 'A', 's', 'k', '血', '压', ' ', '\\.', '.', '\\w', '\\d', '\\s', '[ab]', '[^a]', '[a-c]', '[血压]', 'é', '\\u0061', '\\x4b'];
    const expression = (depth: number): string => {
      const terms = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
        const roll = next();
        let term = roll < 0.6 || depth > 2 ? pick(atoms) : roll < 0.8 ? `(?:${expression(depth + 1)}|${expression(depth + 1)})` : roll < 0.9 ? `(${expression(depth + 1)})` : pick(['\\b', '^', '$', `(?=${expression(depth + 1)})`, `(?<!${expression(depth + 1)})`]);
        if (!term.startsWith('(?=') && !term.startsWith('(?<') && !['\\b', '^', '$'].includes(term) && next() < 0.35) term += pick(['?', '*', '+', '{2}', '{1,3}', '{0,2}', '??', '+?']);
        return term;
      });
      return terms.join('');
    };
    const texts = Array.from({ length: 150 }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => pick(alphabet)).join(''));
    let matched = 0;
    for (let round = 0; round < 2_000; round += 1) {
      const source = expression(0);
      const clauses = requiredLiterals(source, 'iu');
      if (!clauses) continue;
      const pattern = new RegExp(source, 'iu');
      for (const text of texts) {
        if (!pattern.test(text)) continue;
        matched += 1;
        if (!clausesMet(clauses, text)) expect.fail(`${source} matches ${JSON.stringify(text)} but its clauses ${JSON.stringify(clauses)} say it cannot`);
      }
    }
    expect(matched).toBeGreaterThan(2_000);
  });
});

describe('a gated pattern list', () => {
  const sources = ['\\bblood\\b', '咳(?:了)?血', 'bl(?:ee|e)d\\w*', '\\w+ing', '(?<![验])血'];
  const texts = ['coughing up blood', 'he bled', 'BLEEDING', '咳了血', '验血', '流血了', 'yes', '1', '', 'blood blood bled'];

  /** What the union itself answers: its test, its matches as matchAll gives them, its replacements. */
  const unionAnswers = (list: readonly string[], text: string) => {
    const union = new RegExp(list.map((source) => `(?:${source})`).join('|'), 'giu');
    return { test: new RegExp(union.source, 'iu').test(text), matches: [...text.matchAll(union)].map((match) => ({ start: match.index, end: match.index + match[0].length })), replaced: text.replace(union, (words) => `<${words}>`) };
  };
  const listAnswers = (list: readonly string[], text: string) => {
    const index = new LiteralIndex();
    const gated = new GatedPatternList(index, list, 'giu');
    const hits = index.scan(text);
    return { test: gated.test(text, hits), matches: gated.matches(text, hits), replaced: gated.replace(text, hits, (words) => `<${words}>`) };
  };

  it('answers as the whole union: test, every match, and replacements', () => {
    for (const text of texts) expect([text, listAnswers(sources, text)]).toEqual([text, unionAnswers(sources, text)]);
    const index = new LiteralIndex();
    const list = new GatedPatternList(index, sources, 'giu');
    expect(list.candidates(index.scan('coughing up blood'))).toEqual([0, 3]);
    expect(list.mayMatch(index.scan('yes'))).toBe(false);
  });

  it('finds the matches a union finds, pattern by pattern: overlaps, ties, empty matches, surrogate pairs (5,000 random lists)', () => {
    expect.hasAssertions();
    const next = seededRandom(5);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const parts = ['a', 'b', 'ab', 'a+', 'b*', '(?:ab|a)', '\\b', '(?<=a)b', '(?!a)', 'x?', '𠀀', '[𠀀a]', '.', 'a{2}'];
    const alphabet = ['a', 'b', 'x', ' ', '𠀀', 'A'];
    for (let round = 0; round < 5_000; round += 1) {
      const list = Array.from({ length: 1 + Math.floor(next() * 4) }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(parts)).join(''));
      const text = Array.from({ length: Math.floor(next() * 10) }, () => pick(alphabet)).join('');
      const expected = unionAnswers(list, text);
      const got = listAnswers(list, text);
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect.fail(`${JSON.stringify(list)} on ${JSON.stringify(text)}: ${JSON.stringify(got)} for ${JSON.stringify(expected)}`);
    }
    expect(true).toBe(true);
  });

  it('runs a list whose patterns refer to groups whole, as a union numbers them', () => {
    const index = new LiteralIndex();
    const withGroups = ['(a)x', 'b(c)\\1'];
    const list = new GatedPatternList(index, withGroups, 'iu');
    // In the union, \1 is the first pattern's group, unset there, so 'bc' matches; alone, 'b(c)\1' needs 'bcc'.
    expect(list.test('bcx', index.scan('bcx'))).toBe(true);
    expect(list.test('zz', index.scan('zz'))).toBe(false);
  });

  it('rejects hits found by another index', () => {
    const list = new GatedPatternList(new LiteralIndex(), ['blood'], 'iu');
    expect(() => list.test('blood', new LiteralIndex().scan('blood'))).toThrow(/another literal index/);
  });
});

describe('stored pattern literals', () => {
  const patterns = [['\\bblood\\b', 'giu'], ['咳(?:了)?血', 'giu'], ['\\w+', 'giu'], ['(?:{{x}})?a', 'iu']] as const;

  it('are read from the patterns once, then from the file, with the same answers; another pattern names another file', () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'tg-pattern-literals-'));
    const first = storedPatternLiterals({ cacheDir }, 'test-patterns', patterns);
    const analysed = patterns.map(([source, flags]) => first.analyse(source, flags));
    expect(analysed).toEqual(patterns.map(([source, flags]) => requiredLiterals(source, flags)));
    first.save();
    const [file] = readdirSync(cacheDir);
    expect(file).toMatch(/^test-patterns-[0-9a-f]{32}\.json$/);
    // What the file says is what is used (here, a clause nothing has, so it can be seen).
    const stored = JSON.parse(readFileSync(path.join(cacheDir, file as string), 'utf8')) as { strings: string[] };
    stored.strings = stored.strings.map((text) => (text === 'blood' ? 'sangre' : text));
    writeFileSync(path.join(cacheDir, file as string), JSON.stringify(stored));
    expect(storedPatternLiterals({ cacheDir }, 'test-patterns', patterns).analyse('\\bblood\\b', 'giu')).toEqual([['sangre']]);
    storedPatternLiterals({ cacheDir }, 'test-patterns', [...patterns, ['bleed', 'giu']]).save();
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('are read from the patterns again when the file is not one this code wrote for them', () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'tg-pattern-literals-'));
    storedPatternLiterals({ cacheDir }, 'test-patterns', patterns).save();
    const [file] = readdirSync(cacheDir);
    for (const broken of ['{"strings":["a"],"clauses":[[5]],"patterns":[null,null,null,null]}', '{"strings":[],"clauses":[],"patterns":[]}', 'not json']) {
      writeFileSync(path.join(cacheDir, file as string), broken);
      expect(storedPatternLiterals({ cacheDir }, 'test-patterns', patterns).analyse('\\bblood\\b', 'giu')).toEqual([['blood']]);
    }
  });
});

describe('normalizing and folding a message once', () => {
  it('gives what normalizing then folding gives, for the latest message only', () => {
    const foldChinese = loadChineseFolder(projectRoot);
    for (const text of ['佢暈咗 ', 'My Dad is BLEEDING', '佢暈咗 ', '咳 血', '']) expect(normalizeAndFold(text, foldChinese)).toBe(foldChinese(normalizeForMatching(text)));
  });
});
