import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { loadChineseFolder } from '../../src/i18n/fold-chinese';
import { loadEvaluationSet } from '../../src/nlu/evaluate';
import { createEmergencyDetector, createUrgentCareCheck, safetyContentDir } from '../../src/safety/emergency-detector';
import { createMedicalDecisionDetector, medicalDecisionLexiconSchema } from '../../src/safety/medical-decision-detector';
import { loadSafetyFile, redFlagLexiconSchema } from '../../src/safety/red-flag-lexicon';
import { seededRandom } from '../../src/nlu/seeded-random';

/**
 * The prefilter (src/safety/pattern-prefilter.ts) only skips patterns that cannot match, so every safety check
 * must answer exactly as it does with every pattern run. Checked here on every safety tuning text, every
 * recognizer evaluation question and a few thousand variants of them (scripts/safety-equivalence.ts compares
 * two checkouts by hand). The frozen blind sets (tests/fixtures/safety/blind-N) are never read.
 *
 * With every pattern run, a text costs about 2 ms of CPU (the prefilter's reason to exist): CI (.ci/run sets
 * CI) checks every text, about 40 s; a local `npm test` every third text of each file and fewer variants,
 * under 20 s.
 */
const stride = process.env.CI ? 1 : 3;
const variantDraws = process.env.CI ? 1000 : 400;
const everyStride = <T>(items: readonly T[]): T[] => items.filter((_, index) => index % stride === 0);

const tuningFolder = path.join(projectRoot, 'tests', 'fixtures', 'safety', 'tuning');

function tuningTexts(): string[] {
  return readdirSync(tuningFolder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => everyStride((JSON.parse(readFileSync(path.join(tuningFolder, name), 'utf8')) as { text: string }[]).map((item) => item.text)));
}

const evaluationQuestions = (): string[] => supportedLocales.flatMap((locale) => (['tuning', 'fresh', 'blind'] as const).flatMap((set) => everyStride(loadEvaluationSet(projectRoot, locale, set).map((item) => item.text))));


const prefixes = ['', 'hi, ', 'My mum says: ', 'SORRY TO ASK but ', '请问，', '你好 ', '唔该，', '医生说 '];
const suffixes = ['', ' now', ' yesterday', ' — not really though', '?', ' lol', '。现在', '吗？', '，上个月的事', ' 唔知点算'];

/** Each text framed by a prefix and a suffix, a random slice of another, and two texts joined as two sentences. */
function variants(texts: readonly string[], count: number): string[] {
  const next = seededRandom(20261201);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const found: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const text = pick(texts);
    found.push(`${pick(prefixes)}${text}${pick(suffixes)}`);
    const start = Math.floor(next() * text.length);
    found.push(text.slice(start, start + 1 + Math.floor(next() * (text.length - start))));
    found.push(`${text}${pick(['. ', '。', '\n'])}${pick(texts)}`);
  }
  return found;
}

describe('the safety prefilter', () => {
  const lexicon = loadSafetyFile(redFlagLexiconSchema, safetyContentDir(projectRoot), 'red-flags.json');
  const decisionLexicon = loadSafetyFile(medicalDecisionLexiconSchema, safetyContentDir(projectRoot), 'medical-decision-lexicon.json');
  const fold = loadChineseFolder(projectRoot);
  const checksWith = (prefilter: boolean) => {
    const emergency = createEmergencyDetector(lexicon, fold, { prefilter });
    const urgentCare = createUrgentCareCheck(lexicon, fold, { prefilter });
    const decision = createMedicalDecisionDetector(decisionLexicon, fold, { prefilter });
    return (text: string) => `${JSON.stringify(emergency(text) ?? null)} ${urgentCare(text)} ${decision(text)}`;
  };

  it('changes no answer of the emergency detector, the urgent-care check or the medical-decision check', { timeout: 600_000 }, () => {
    const filtered = checksWith(true);
    const everyPattern = checksWith(false);
    const written = [...tuningTexts(), ...evaluationQuestions()];
    const texts = [...written, ...variants(written, variantDraws), '', ' ', '1', '。'];
    expect(written.length).toBeGreaterThan(12_000 / stride);
    const differences: string[] = [];
    let flagged = 0;
    for (const text of texts) {
      const expected = everyPattern(text);
      const answer = filtered(text);
      if (answer !== expected) differences.push(`${JSON.stringify(text)}: every pattern ${expected}, prefiltered ${answer}`);
      if (expected !== 'null false false') flagged += 1;
    }
    expect(differences.slice(0, 20)).toEqual([]);
    // The texts exercise the checks: thousands of them are flagged by one check or another.
    expect(flagged).toBeGreaterThan(5000 / stride);
  });
});
