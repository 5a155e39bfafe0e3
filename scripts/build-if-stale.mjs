#!/usr/bin/env node
/**
 * `npm start`'s prestart and `npm run build`: compiles TypeScript to dist/ (tsc -p tsconfig.build.json) only
 * when a source is newer than the last successful build, bundles the production entry into one file
 * (dist/src/main.js, esbuild: see bundle() below), then stores the question recognizer's and the
 * medical-decision classifier's and the red-flag doubt tier's trained weights (dist/nlu-cache, dist/safety-cache) with that bundle, so the
 * first start does not train. Plain JavaScript on purpose: it runs before anything is compiled and needs
 * neither tsx nor a build of its own. `--always` builds even when up to date.
 *
 * Sources: src/, dialogs/, content/ (modules import some of its JSON, which tsc copies into dist/content),
 * the tsconfig files and package.json. A type error fails the build (exit 1) and leaves the stamp as it was,
 * so the next start tries again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

/**
 * The production entry as ONE file: tsc's dist/src/main.js (a tree of modules, with every package loaded from
 * node_modules file by file) is replaced by an esbuild bundle of src/main.ts and the packages it uses. A start
 * then reads and compiles one file instead of resolving, reading and wrapping some 1,500 modules (issue 11:
 * cold start). The rest of tsc's dist/ stays (type-checked output; scripts may use it).
 *
 * Left outside the bundle, loaded from node_modules at run time: native modules (better-sqlite3), ESM-only
 * packages imported dynamically (openid-client), optional ones that may be absent (pg-native, dtrace-provider),
 * and packages that find files beside themselves at run time (botframework-webchat's bundles, opencc-js).
 *
 * Our dialogs import botbuilder-dialogs' index, which loads every prompt and the Recognizers-Text suites (date,
 * time, number and choice models for a dozen languages, about 4.5 MB of JavaScript) that our own prompt never
 * uses. In the bundle, our code's `botbuilder-dialogs` is the few modules it uses (botbuilderDialogsParts); a
 * name missing there fails this build ("No matching export"), never a start.
 */
const externalPackages = ['better-sqlite3', 'better-sqlite3-napi', 'pg-native', 'dtrace-provider', 'openid-client', 'opencc-js', 'botframework-webchat'];
const botbuilderDialogsParts = `
export { Dialog, DialogTurnStatus } from 'botbuilder-dialogs/lib/dialog';
export { DialogContext } from 'botbuilder-dialogs/lib/dialogContext';
export { DialogSet } from 'botbuilder-dialogs/lib/dialogSet';
export { ComponentDialog } from 'botbuilder-dialogs/lib/componentDialog';
export { WaterfallDialog } from 'botbuilder-dialogs/lib/waterfallDialog';
export { WaterfallStepContext } from 'botbuilder-dialogs/lib/waterfallStepContext';
export { Prompt } from 'botbuilder-dialogs/lib/prompts/prompt';
`;

async function bundle() {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild');
  const ours = (importer) => importer.startsWith(path.join(root, 'src') + path.sep) || importer.startsWith(path.join(root, 'dialogs') + path.sep);
  const dialogsParts = {
    name: 'botbuilder-dialogs-parts',
    setup(build) {
      build.onResolve({ filter: /^botbuilder-dialogs$/ }, (args) => (ours(args.importer) ? { path: 'botbuilder-dialogs-parts', namespace: 'trialguide' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'trialguide' }, () => ({ contents: botbuilderDialogsParts, resolveDir: root, loader: 'js' }));
    },
  };
  rmSync(`${entry}.map`, { force: true });
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src', 'main.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: externalPackages,
    plugins: [dialogsParts],
    // Smaller to read and parse at every start (whitespace and syntax only: names stay, for stack traces).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    charset: 'ascii',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Our modules find the project root from __dirname (dist/src: the same as tsc's entry).
    absWorkingDir: root,
    write: false,
  });
  for (const file of result.outputFiles) writeFileSync(file.path, file.path === entry ? asciiOnly(file.text) : file.contents);
}

/**
 * esbuild writes strings and identifiers as ASCII, but not regular-expression literals (ours hold Chinese). Node
 * reads an all-ASCII file several times faster (about 0.2 s of CPU less for the bundle at every start), so the
 * remaining characters become \uXXXX escapes, which mean the same character in a regular expression (with or
 * without the u flag: a surrogate pair of escapes is one code point there) and in a string. An identity escape
 * (a backslash before the character) is replaced whole. Column numbers on those few lines shift in the source map.
 */
function asciiOnly(text) {
  return text.replace(/(\\*)([^\x00-\x7f])/g, (_match, backslashes, character) => {
    const kept = backslashes.length % 2 === 1 ? backslashes.slice(1) : backslashes;
    return `${kept}\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
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

await bundle();
// Train once here rather than at the first start, with the bundle itself: its weights are keyed by its own code
// (the cache key makes a stale file harmless).
const prepared = spawnSync(process.execPath, [entry, '--prepare-caches'], { cwd: root, stdio: 'inherit' });
if (prepared.status !== 0) {
  process.stderr.write('Storing the trained models failed (see above); dist/ was not marked up to date.\n');
  process.exit(prepared.status ?? 1);
}

mkdirSync(dist, { recursive: true });
writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
// Dated when the build began: a source saved during the build is newer, so the next start builds again.
utimesSync(stamp, started / 1000, started / 1000);
process.stdout.write(`Built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
