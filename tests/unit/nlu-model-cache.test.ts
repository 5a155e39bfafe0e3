import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { supportedLocales } from '../../src/i18n/locales';
import { loadEvaluationSet } from '../../src/nlu/evaluate';
import { decodeModels, encodeModels, modelCacheFile, modelCacheKey, readStoredModels, storedModelsKept, writeStoredModels } from '../../src/nlu/model-cache';
import { buildQuestionRecognizer, loadClassifierSettings } from '../../src/nlu/question-recognizer';

const rootDir = path.resolve(__dirname, '..', '..');
const settings = loadClassifierSettings(rootDir);
const cacheDir = mkdtempSync(path.join(tmpdir(), 'trialguide-nlu-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Every labelled question we have, in every locale, plus text the model never saw and empty text. */
const probes = [
  ...supportedLocales.flatMap((locale) => (['tuning', 'fresh', 'blind'] as const).flatMap((set) => loadEvaluationSet(rootDir, locale, set).map((item) => ({ text: item.text, locale })))),
  { text: '紫色大象星期二', locale: 'zh-Hans' as const },
  { text: 'purple elephants on tuesday', locale: 'en' as const },
  { text: '', locale: 'en' as const },
  { text: '1', locale: 'zh-Hant' as const },
];

describe('the stored recognizer model (dist/nlu-cache)', () => {
  const fresh = buildQuestionRecognizer(rootDir, settings, false);
  const writer = buildQuestionRecognizer(rootDir, settings, cacheDir);
  const stored = readdirSync(cacheDir).filter((name) => name.endsWith('.bin'));
  const reader = buildQuestionRecognizer(rootDir, settings, cacheDir);

  it('is written once, whole (no temporary file is left)', () => {
    expect(stored).toHaveLength(1);
    expect(readdirSync(cacheDir)).toEqual(stored);
  });

  it('predicts exactly as a freshly trained model: same label, probability, margin, confidence and alternatives', () => {
    expect.hasAssertions();
    expect(probes.length).toBeGreaterThan(1000);
    for (const { text, locale } of probes) {
      const expected = fresh.recognize(text, locale);
      expect(writer.recognize(text, locale)).toEqual(expected);
      expect(reader.recognize(text, locale)).toEqual(expected);
    }
  });

  it('is what the reader uses: a changed file changes its answers, and a damaged file is trained again', () => {
    const file = path.join(cacheDir, stored[0] ?? '');
    const original = readFileSync(file);
    const models = decodeModels(original);
    expect(models?.en).toBeDefined();
    const en = models!.en!;
    // Tilt every English answer towards one label: a reader of this file must say that label.
    const tilted = Float64Array.from(en.bias, (value, index) => (en.labels[index] === 'costs' ? value + 50 : value));
    writeFileSync(file, encodeModels({ ...models!, en: { ...en, bias: tilted } }));
    expect(buildQuestionRecognizer(rootDir, settings, cacheDir).recognize('hello there', 'en').intent).toBe('costs');

    writeFileSync(file, original.subarray(0, original.length - 8));
    const retrained = buildQuestionRecognizer(rootDir, settings, cacheDir);
    expect(retrained.recognize('what are the side effects of apatinib?', 'en')).toEqual(fresh.recognize('what are the side effects of apatinib?', 'en'));
    expect(readFileSync(file).equals(original)).toBe(true);
  });

  it('rejects a buffer that is not a whole model file', () => {
    const whole = readFileSync(path.join(cacheDir, stored[0] ?? ''));
    expect(decodeModels(whole)).toBeDefined();
    expect(decodeModels(whole.subarray(0, 3))).toBeUndefined();
    expect(decodeModels(Buffer.concat([whole, Buffer.alloc(8)]))).toBeUndefined();
    expect(decodeModels(Buffer.from('\u0004\u0000\u0000\u0000nope'))).toBeUndefined();
  });
});

describe('the model cache key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-nlu-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = path.join(dir, 'en.json');
  writeFileSync(data, '{"intents":{}}');

  it('changes with the training data and the settings, and only then', () => {
    const before = modelCacheKey([data], settings);
    expect(modelCacheKey([data], settings)).toBe(before);
    expect(modelCacheKey([data], { ...settings, training: { ...settings.training, epochs: settings.training.epochs + 1 } })).not.toBe(before);
    writeFileSync(data, '{"intents":{"costs":[]}}');
    expect(modelCacheKey([data], settings)).not.toBe(before);
  });
});

describe('the cache folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-nlu-prune-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tiny = { m: { labels: ['a'], features: ['x'], weights: new Float64Array([1]), bias: new Float64Array([0]) } };
  const keyOf = (index: number) => index.toString(16).padStart(32, '0');

  it(`keeps the newest ${storedModelsKept} weight files, the one just written and any a .current file names; other files stay`, () => {
    writeFileSync(path.join(dir, 'notes.txt'), 'not a model');
    writeFileSync(path.join(dir, 'red-flag-classifier.current'), `${keyOf(2)}\n`);
    // Twelve older files, oldest first (modification times a minute apart), then one more written now.
    for (let index = 1; index <= 12; index += 1) {
      expect(writeStoredModels(dir, keyOf(index), tiny)).toBe(true);
      const at = new Date(Date.UTC(2026, 0, 1, 0, index));
      utimesSync(modelCacheFile(dir, keyOf(index)), at, at);
    }
    expect(writeStoredModels(dir, keyOf(13), tiny)).toBe(true);
    const kept = readdirSync(dir).sort();
    expect(kept).toEqual(['notes.txt', 'red-flag-classifier.current', ...[2, 6, 7, 8, 9, 10, 11, 12, 13].map((index) => path.basename(modelCacheFile(dir, keyOf(index))))].sort());
    expect(readStoredModels(dir, keyOf(2))?.m?.labels).toEqual(['a']);
    expect(readStoredModels(dir, keyOf(3))).toBeUndefined();
  });
});
