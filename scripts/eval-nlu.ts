/**
 * `npm run eval:nlu`: accuracy of the free-text question recognizer on the held-out labelled sets
 * (tests/fixtures/nlu/<locale>.json), the misclassified questions, and recognize() latency.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { supportedLocales } from '../src/i18n/locales';
import fs from 'node:fs';
import { evaluate, type LabelledQuestion, loadEvaluationSet, parseEvaluationSet } from '../src/nlu/evaluate';
import { createQuestionRecognizer } from '../src/nlu/question-recognizer';

const rootDir = path.resolve(__dirname, '..');
const latencyRounds = 20;

function main(): void {
  const started = performance.now();
  const recognizer = createQuestionRecognizer(rootDir);
  console.log(`indexes built in ${(performance.now() - started).toFixed(1)} ms`);

  let allPass = true;
  for (const locale of supportedLocales) {
    const items = loadEvaluationSet(rootDir, locale);
    const result = evaluate(recognizer, locale, items);
    allPass &&= result.accuracy >= 0.9;
    console.log(`\n== ${locale}: ${(result.accuracy * 100).toFixed(1)}% (${result.correct}/${result.total}); ` +
      `in scope ${result.inScope.correct}/${result.inScope.total}, out of scope ${result.outOfScope.correct}/${result.outOfScope.total}`);
    for (const miss of result.misses) {
      const { intent, confident, score, alternatives } = miss.recognition;
      console.log(`  x ${JSON.stringify(miss.text)}\n      expected ${miss.expected ?? '(not confident)'}; got ${intent ?? '-'} ` +
        `${confident ? 'confident' : 'unsure'} score=${score.toFixed(2)} alternatives=[${alternatives.join(', ')}]`);
    }

    const timed = performance.now();
    for (let round = 0; round < latencyRounds; round += 1) for (const item of items) recognizer.recognize(item.text, locale);
    const perQuery = (performance.now() - timed) / (latencyRounds * items.length);
    console.log(`  latency: ${perQuery.toFixed(3)} ms per recognize() (${latencyRounds * items.length} calls)`);
  }
  // A second, smaller set written after the training data was tuned: a less flattering, more honest estimate.
  console.log('\n== fresh sets (tests/fixtures/nlu/fresh, written after tuning; reported, not asserted)');
  for (const locale of supportedLocales) {
    const file = path.join(rootDir, 'tests', 'fixtures', 'nlu', 'fresh', `${locale}.json`);
    if (!fs.existsSync(file)) continue;
    const items: LabelledQuestion[] = parseEvaluationSet(JSON.parse(fs.readFileSync(file, 'utf8')) as unknown);
    const result = evaluate(recognizer, locale, items);
    console.log(`  ${locale}: ${(result.accuracy * 100).toFixed(1)}% (${result.correct}/${result.total})`);
    for (const miss of result.misses) console.log(`    x ${JSON.stringify(miss.text)} expected ${miss.expected ?? '(not confident)'}; got ${miss.recognition.intent ?? '-'}${miss.recognition.confident ? ' confident' : ' unsure'}`);
  }
  if (!allPass) process.exitCode = 1;
}

main();
