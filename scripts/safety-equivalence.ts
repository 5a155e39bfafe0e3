/**
 * `npx tsx scripts/safety-equivalence.ts --old DIR [--data DIR]`: the safety checks of this tree against those of
 * another checkout (DIR, e.g. `git worktree add --detach /tmp/safety-old HEAD` with node_modules linked), over
 * the SAME data root (`--data`, default the old checkout: copy this tree's content/safety/*.json and tuning files
 * there first), on every text the project has: the safety tuning cases, the recognizer's utterances
 * (content/nlu), the recognizer's test sets (tests/fixtures/nlu, every set) and the bench's turns — each as
 * written, in upper case, and joined to the next text of its file (two sentences). Compares the red-flag signs,
 * the net (signs + learned tier), the urgent-care check, the medical-decision lexicon and check, and the two
 * learned tiers' scores, exactly. Exits 1 on any difference. The frozen safety blind sets are never read.
 * The suite checks the prefilter itself on every run, this tree with and without it:
 * tests/unit/safety-prefilter-equivalence.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

type EmergencyModule = typeof import('../src/safety/emergency-detector');
type DecisionModule = typeof import('../src/safety/medical-decision-detector');

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const oldRoot = option('--old');
if (!oldRoot) throw new Error('usage: safety-equivalence.ts --old DIR [--data DIR]');
const newRoot = path.resolve(__dirname, '..');
const dataRoot = path.resolve(option('--data') ?? oldRoot);

function textsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => (typeof item === 'string' ? [item] : typeof item === 'object' && item !== null && typeof (item as { text?: unknown }).text === 'string' ? [(item as { text: string }).text] : []));
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const jsonFiles = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? jsonFiles(path.join(folder, entry.name)) : entry.name.endsWith('.json') ? [path.join(folder, entry.name)] : []));

/** Each source's texts, in file order. */
function sources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const tuning = path.join(newRoot, 'tests', 'fixtures', 'safety', 'tuning');
  for (const file of jsonFiles(tuning)) found.set(path.relative(newRoot, file), textsOf(readJson(file)));
  for (const file of jsonFiles(path.join(newRoot, 'content', 'nlu'))) {
    const data = readJson(file) as { intents?: Record<string, unknown>; outOfScope?: unknown; smallTalk?: unknown };
    if (!data.intents) continue;
    found.set(path.relative(newRoot, file), [...Object.values(data.intents).flatMap(textsOf), ...textsOf(data.outOfScope), ...textsOf(data.smallTalk)]);
  }
  for (const file of jsonFiles(path.join(newRoot, 'tests', 'fixtures', 'nlu'))) found.set(path.relative(newRoot, file), textsOf(readJson(file)));
  // The bench's turn lists (`texts: ['1', 'Back to menu', …]` at the top of scripts/bench.ts).
  const bench = readFileSync(path.join(newRoot, 'scripts', 'bench.ts'), 'utf8');
  const turns = [...bench.matchAll(/texts: \[([^\]]*)\]/g)].flatMap((match) => [...(match[1] ?? '').matchAll(/'([^']*)'/g)].map((text) => text[1] ?? ''));
  if (turns.length === 0) throw new Error('scripts/bench.ts: no turn list found');
  found.set('scripts/bench.ts', turns);
  return found;
}

function variants(texts: readonly string[]): string[] {
  return texts.flatMap((text, index) => [text, text.toUpperCase(), ...(index + 1 < texts.length ? [`${text} ${texts[index + 1] as string}`] : [])]);
}

interface Checks {
  readonly name: string;
  readonly run: (text: string) => string;
}

function checksOf(root: string, cacheDir: string): Checks[] {
  /* eslint-disable @typescript-eslint/no-require-imports -- two copies of the same modules, from two trees */
  const emergency = require(path.join(root, 'src', 'safety', 'emergency-detector')) as EmergencyModule;
  const decision = require(path.join(root, 'src', 'safety', 'medical-decision-detector')) as DecisionModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const warn = () => {};
  const signs = emergency.loadEmergencyDetector(dataRoot);
  const net = emergency.loadEmergencyNet(dataRoot, { cacheDir, warn });
  const tier = emergency.loadRedFlagDoubtTier(dataRoot, { cacheDir, warn });
  const urgentCare = emergency.loadUrgentCareCheck(dataRoot);
  const lexicon = decision.loadMedicalDecisionLexiconDetector(dataRoot);
  const full = decision.loadMedicalDecisionDetector(dataRoot, { cacheDir, warn });
  const classifier = decision.loadMedicalDecisionClassifier(dataRoot, { cacheDir, warn });
  const match = (found: { category: string; certainty: string } | undefined) => (found ? `${found.category}/${found.certainty}` : 'none');
  return [
    { name: 'red-flag signs', run: (text) => match(signs(text)) },
    { name: 'red-flag net', run: (text) => match(net(text)) },
    { name: 'red-flag tier score', run: (text) => JSON.stringify(tier.score(text)) },
    { name: 'urgent care', run: (text) => String(urgentCare(text)) },
    { name: 'decision lexicon', run: (text) => String(lexicon(text)) },
    { name: 'decision check', run: (text) => String(full(text)) },
    { name: 'decision classifier', run: (text) => String(classifier.probability(text)) },
  ];
}

const cacheRoot = mkdtempSync(path.join(tmpdir(), 'safety-equivalence-'));
try {
  const old = checksOf(path.resolve(oldRoot), path.join(cacheRoot, 'old'));
  const current = checksOf(newRoot, path.join(cacheRoot, 'new'));
  const all = [...sources()];
  let compared = 0;
  const differences: string[] = [];
  const timeOf = { old: 0, current: 0 };
  for (const [source, texts] of all) {
    for (const text of variants(texts)) {
      compared += 1;
      let started = performance.now();
      const before = old.map((check) => check.run(text));
      timeOf.old += performance.now() - started;
      started = performance.now();
      const after = current.map((check) => check.run(text));
      timeOf.current += performance.now() - started;
      before.forEach((answer, index) => {
        if (answer !== after[index]) differences.push(`${source}: ${(old[index] as Checks).name}: ${JSON.stringify(text)}: old ${answer}, new ${after[index] as string}`);
      });
    }
  }
  const files = all.length;
  process.stdout.write(`${compared} texts (${files} sources, as written, upper case and joined to the next) x ${old.length} checks, data root ${dataRoot}\n`);
  process.stdout.write(`every check of a text, mean: old ${((1000 * timeOf.old) / compared).toFixed(0)} us, new ${((1000 * timeOf.current) / compared).toFixed(0)} us\n`);
  process.stdout.write(`differences: ${differences.length}\n`);
  for (const line of differences.slice(0, 20)) process.stdout.write(`  ${line}\n`);
  process.exitCode = differences.length === 0 ? 0 : 1;
} finally {
  rmSync(cacheRoot, { recursive: true, force: true });
}
