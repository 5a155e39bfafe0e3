#!/usr/bin/env node
/**
 * `npm start`'s prestart and `npm run build`: compiles TypeScript to dist/ (tsc -p tsconfig.build.json) only
 * when a source is newer than the last successful build, then stores the question recognizer's trained
 * weights (dist/nlu-cache), so the first start does not train. Plain JavaScript on purpose: it runs before
 * anything is compiled and needs neither tsx nor a build of its own. `--always` builds even when up to date.
 *
 * Sources: src/, dialogs/, content/ (modules import some of its JSON, which tsc copies into dist/content),
 * the tsconfig files and package.json. A type error fails the build (exit 1) and leaves the stamp as it was,
 * so the next start tries again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const entry = path.join(dist, 'src', 'main.js');
const sources = ['src', 'dialogs', 'content', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** Newest modification time (ms) under a file or folder; 0 when it does not exist. */
function newest(target) {
  let stats;
  try {
    stats = statSync(target);
  } catch (error) {
    if (error.code === 'ENOENT') return 0;
    throw error;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const name of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, name)));
  return latest;
}

function builtAt() {
  return existsSync(entry) && existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
}

const always = process.argv.includes('--always');
const sourcesAt = Math.max(...sources.map((source) => newest(path.join(root, source))));
if (!always && builtAt() >= sourcesAt) process.exit(0);

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  process.stderr.write('dist/ is missing or older than the sources, and TypeScript is not installed to build it: run `npm install` (with dev dependencies), then `npm start`.\n');
  process.exit(1);
}
process.stdout.write(always ? 'Building dist/ …\n' : 'Sources changed since the last build: building dist/ …\n');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('The TypeScript build failed (see above); dist/ was not marked up to date.\n');
  process.exit(result.status ?? 1);
}

// Train once here rather than at the first start (the cache key makes a stale file harmless).
const require = createRequire(import.meta.url);
const { createQuestionRecognizer } = require(path.join(dist, 'src', 'nlu', 'question-recognizer.js'));
createQuestionRecognizer(root);

mkdirSync(dist, { recursive: true });
writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
// Dated when the build began: a source saved during the build is newer, so the next start builds again.
utimesSync(stamp, started / 1000, started / 1000);
process.stdout.write(`Built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
