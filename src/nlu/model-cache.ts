/**
 * Trained recognizer weights kept on disk, so a start reads them (tens of milliseconds) instead of training
 * (about a second of CPU). A file is named by a hash of everything training reads and of the code that turns
 * text into features, so a changed utterance, setting, Cantonese word or featurizer gives a new name and the
 * model is trained again; an old file is simply never read. Numbers are stored as raw float64, so a stored
 * model predicts exactly as the freshly trained one did (tests/unit/nlu-model-cache.test.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeDigest, KeyedCacheFiles } from '../content/keyed-cache-file';
import type { TrainedModel } from './intent-classifier';

/** Bump when the file layout changes. */
const formatVersion = 1;
const magic = 'TGNLU';

/** Where the files go by default: beside the compiled build, which `npm run build` fills (tests and tsx share it). */
export function defaultModelCacheDir(rootDir: string): string {
  return path.join(rootDir, 'dist', 'nlu-cache');
}

/**
 * The files training depends on besides its data: this folder's featurizer and classifier, the Chinese fold,
 * and opencc-js's version (its dictionaries). Read with the running code's own extension (.ts under tsx, .js
 * compiled), so each kind of start keys its own file. In the production bundle (dist/src/main.js, one file
 * holding every module) those files do not exist: the bundle itself is the code, so any change of it trains
 * again (the build stores the bundle's weights: `node dist/src/main.js --prepare-caches`).
 */
function codeInputs(): string[] {
  const extension = path.extname(__filename);
  const own = ['intent-classifier', 'text-features', 'tokenize', 'question-recognizer', 'nlu-data'].map((name) => path.join(__dirname, `${name}${extension}`));
  const files = [...own, path.join(__dirname, '..', 'i18n', `fold-chinese${extension}`)];
  return files.every((file) => fs.existsSync(file)) ? files : [__filename];
}

function openccVersion(): string {
  try {
    const packageFile = require.resolve('opencc-js/package.json');
    return (JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch (error) {
    // Its package.json is not exported on every version: the version then cannot key the file.
    return `unresolved:${(error as Error).name}`;
  }
}

/** Hex digest over the data files (by content), the settings and the code inputs (by their digest, computed once per process). */
export function modelCacheKey(dataFiles: readonly string[], settings: unknown): string {
  const hash = createHash('sha256');
  hash.update(`${magic}${formatVersion}\0${JSON.stringify(settings)}\0${openccVersion()}\0`);
  for (const file of dataFiles) {
    hash.update(`${path.basename(file)}\0`);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'missing');
    hash.update('\0');
  }
  for (const file of codeInputs()) hash.update(`${path.basename(file)}\0${codeDigest(file)}\0`);
  return hash.digest('hex').slice(0, 32);
}

export type StoredModels = Record<string, TrainedModel>;

interface Header {
  magic: string;
  version: number;
  byteOrder: 'BE' | 'LE';
  models: Record<string, { labels: string[]; features: string[]; weights: number; bias: number }>;
}

/** [uint32 LE header length][header JSON][zero padding to 8][float64 arrays in the writer's byte order, in header order]. */
export function encodeModels(models: StoredModels): Buffer {
  const header: Header = { magic, version: formatVersion, byteOrder: os.endianness(), models: {} };
  const arrays: Float64Array[] = [];
  for (const [name, model] of Object.entries(models)) {
    header.models[name] = { labels: [...model.labels], features: [...model.features], weights: model.weights.length, bias: model.bias.length };
    arrays.push(model.weights, model.bias);
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const total = start + arrays.reduce((sum, array) => sum + array.byteLength, 0);
  const buffer = Buffer.alloc(total);
  buffer.writeUInt32LE(json.length, 0);
  json.copy(buffer, 4);
  let offset = start;
  for (const array of arrays) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(buffer, offset);
    offset += array.byteLength;
  }
  return buffer;
}

/** The models in a buffer written by encodeModels, or undefined when it is not one (truncated, other version). */
export function decodeModels(buffer: Buffer): StoredModels | undefined {
  if (buffer.length < 4) return undefined;
  const length = buffer.readUInt32LE(0);
  if (4 + length > buffer.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', 4, 4 + length)) as Header;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (header.magic !== magic || header.version !== formatVersion || header.byteOrder !== os.endianness() || typeof header.models !== 'object') return undefined;
  let offset = Math.ceil((4 + length) / 8) * 8;
  const read = (count: number): Float64Array | undefined => {
    if (!Number.isInteger(count) || count < 0 || offset + count * 8 > buffer.length) return undefined;
    // The file's bytes are the arrays' own, in this machine's byte order: used in place when aligned (a file
    // read whole has its own buffer), else copied into a fresh, aligned one.
    const at = buffer.byteOffset + offset;
    const array = at % 8 === 0 ? new Float64Array(buffer.buffer, at, count) : new Float64Array(buffer.buffer.slice(at, at + count * 8));
    offset += count * 8;
    return array;
  };
  const models: StoredModels = {};
  for (const [name, entry] of Object.entries(header.models)) {
    const weights = read(entry.weights);
    const bias = read(entry.bias);
    if (!weights || !bias || !Array.isArray(entry.labels) || !Array.isArray(entry.features)) return undefined;
    if (bias.length !== entry.labels.length || weights.length !== entry.labels.length * entry.features.length) return undefined;
    models[name] = { labels: entry.labels, features: entry.features, weights, bias };
  }
  return offset === buffer.length ? models : undefined;
}

/** Weight files: each start kind (tsx, the bundle) and each model has its own, several megabytes each. */
export const storedModelsKept = 8;

const filesIn = (cacheDir: string) => new KeyedCacheFiles(cacheDir, 'recognizer', '.bin', storedModelsKept);

export function modelCacheFile(cacheDir: string, key: string): string {
  return filesIn(cacheDir).fileOf(key);
}

/** The stored models under this key, or undefined when there are none (or the file is unreadable). */
export function readStoredModels(cacheDir: string, key: string): StoredModels | undefined {
  const buffer = filesIn(cacheDir).read(key);
  return buffer && decodeModels(buffer);
}

/**
 * Stores the models under this key (keyed-cache-file.ts: a whole file or none; the newest few kept, and any a
 * `<name>.current` file points to: the safety classifiers' last stored weights, read by a deployment without
 * tests/fixtures). A read-only install just trains at each start: returns false instead of failing.
 */
export function writeStoredModels(cacheDir: string, key: string, models: StoredModels): boolean {
  return filesIn(cacheDir).write(key, encodeModels(models));
}
