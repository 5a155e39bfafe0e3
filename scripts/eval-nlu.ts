/**
 * `npm run eval:nlu`: the question recognizer on the tuning set (tests/fixtures/nlu/<locale>.json, which the
 * thresholds were calibrated on), the fresh set (written after the first tuning) and the frozen BLIND set
 * (tests/fixtures/nlu/blind: written before any tuning, never used for training or thresholds; its file hash is
 * printed). For each: accuracy, the rate of WRONG confident answers, and the confusions. `--misses` also lists
 * the tuning and fresh misses (the blind set's are listed only with --blind-misses, for a final review).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { supportedLocales } from '../src/i18n/locales';
import { confusions, type EvaluationSetName, evaluate, evaluationSetHash, loadEvaluationSet } from '../src/nlu/evaluate';
import { createQuestionRecognizer } from '../src/nlu/question-recognizer';

const rootDir = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

const started = performance.now();
const recognizer = createQuestionRecognizer(rootDir);
console.log(`models trained in ${(performance.now() - started).toFixed(0)} ms`);

for (const set of ['tuning', 'fresh', 'blind'] as EvaluationSetName[]) {
  console.log(`\n=== ${set} set`);
  for (const locale of supportedLocales) {
    const items = loadEvaluationSet(rootDir, locale, set);
    const result = evaluate(recognizer, locale, items);
    const hash = set === 'blind' ? `  sha256 ${evaluationSetHash(rootDir, locale, set)}` : '';
    console.log(`[${set} ${locale}] accuracy ${percent(result.correct, result.total)} (${result.correct}/${result.total})  wrong confident ${percent(result.wrongConfident, result.total)} (${result.wrongConfident})${hash}`);
    console.log(`  confusions: ${confusions(result).map(([pair, count]) => `${pair} x${count}`).join('; ') || 'none'}`);
    const listMisses = set === 'blind' ? args.includes('--blind-misses') : args.includes('--misses');
    if (listMisses) for (const miss of result.misses) console.log(`  x ${JSON.stringify(miss.text)} expected ${miss.expected ?? 'out-of-scope'}; got ${miss.recognition.intent ?? miss.recognition.kind} ${miss.recognition.confident ? 'confident' : 'unsure'} p=${miss.recognition.score.toFixed(2)}`);
  }
}

const sample = loadEvaluationSet(rootDir, 'zh-Hant', 'tuning');
const timed = performance.now();
for (let round = 0; round < 10; round += 1) for (const item of sample) recognizer.recognize(item.text, 'zh-Hant');
console.log(`\nlatency: ${((performance.now() - timed) / (10 * sample.length)).toFixed(3)} ms per recognize()`);
