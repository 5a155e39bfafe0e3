import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { loadEmergencyDetector, loadEmergencyNet, loadRedFlagDoubtTier, loadUrgentCareCheck } from '../../src/safety/emergency-detector';
import { loadRedFlagSet, scoreRedFlags } from '../../src/safety/evaluate-safety';

const tuningFolder = path.join(projectRoot, 'tests', 'fixtures', 'safety', 'tuning');
const bySigns = loadEmergencyDetector(projectRoot);
const asksAboutUrgentCare = loadUrgentCareCheck(projectRoot);

/**
 * The red-flag net's learned doubt tier. Its training data includes every tuning file, so here it is trained
 * again without a retired blind set and scored there with the patterns.
 * Former-blind-4 (measured once before its misses were read, 2026-12-01): English recall 140/152 with the
 * patterns alone, 145/152 with the tier, false alarms 4/150 either way; in Chinese the tier at 0.9 raised false
 * alarms from 5/192 to 7/192, so it stayed off there. Former-blind-5, held out the same way on 2026-12-01 at
 * 19:50 (after its misses had been read, before any pattern was written for them), with thresholds 0.8:
 * English 128/130 with or without the tier (2/130 false alarms either way); Chinese 150/170 -> 165/170, false
 * alarms 5/160 -> 6/160. Former-blind-4 held out again with that day's patterns: Chinese 182/198 -> 196/198,
 * false alarms 2/192 -> 4/192. So the tier is on in both families at 0.8 (content/safety/red-flag-classifier.json).
 * The floors below leave room for the patterns to catch more of these by themselves.
 */
describe('red-flag doubt tier', () => {
  const heldOut = (file: string) => file.startsWith('red-flags-former-blind-5-');

  it('trained without former-blind-5, catches its emergencies with the patterns at least as well as the patterns alone, and keeps false alarms within issue 7\'s 5% (at most two more than the patterns)', () => {
    const tier = loadRedFlagDoubtTier(projectRoot, { excludeFiles: heldOut });
    const set = loadRedFlagSet(tuningFolder);
    const only = { files: set.files.filter((file) => heldOut(file.name)), cases: set.cases.filter((item) => heldOut(item.file)) };
    const withTier = (text: string) => bySigns(text) ?? tier.doubt(text);
    for (const [family, emergencies, lookAlikes, floor] of [['en', 130, 130, 128], ['zh', 170, 160, 163]] as const) {
      const patterns = scoreRedFlags(bySigns, only, family, asksAboutUrgentCare);
      const net = scoreRedFlags(withTier, only, family, asksAboutUrgentCare);
      expect([family, net.emergencies, net.lookAlikes]).toEqual([family, emergencies, lookAlikes]);
      expect(net.caught).toBeGreaterThanOrEqual(Math.max(floor, patterns.caught));
      expect(net.falseAlarms).toBeLessThanOrEqual(patterns.falseAlarms + 2);
      expect(net.falseAlarms / net.lookAlikes).toBeLessThanOrEqual(0.05);
    }
  }, 120_000);

  it('only adds the short reply when the signs find nothing, and never raises or removes an answer', () => {
    const net = loadEmergencyNet(projectRoot);
    for (const text of ['his nose is bleeding and it will not stop', 'I have a nosebleed', '他吃了一整瓶安眠药', 'he fainted yesterday']) expect(net(text)).toEqual(bySigns(text));
    // Over the held-out cases (tier trained without them): every change is an added short reply. (The patterns
    // now answer every emergency of these files themselves, so what is left for the tier there is little: the
    // first test holds what it adds.)
    const heldOut = (file: string) => file.startsWith('red-flags-former-blind-4-') || file.startsWith('red-flags-former-blind-5-');
    const heldOutTier = loadRedFlagDoubtTier(projectRoot, { excludeFiles: heldOut });
    const heldOutNet = (text: string) => bySigns(text) ?? heldOutTier.doubt(text);
    const cases = loadRedFlagSet(tuningFolder).cases.filter((item) => heldOut(item.file));
    expect(cases.length).toBe(1282);
    for (const item of cases) {
      const signs = bySigns(item.text);
      expect([item.text, heldOutNet(item.text)]).toEqual([item.text, signs ?? (heldOutTier.doubt(item.text) ? expect.objectContaining({ certainty: 'unclear' }) : undefined)]);
    }
  }, 120_000);

  it('never answers a short reply, a button value or an ordinary study question', () => {
    const net = loadEmergencyNet(projectRoot);
    for (const text of ['yes', 'no', 'stop', 'help', 'bleeding?', '可以', '继续', '出血', 'what is this study about?', 'how far is the hospital from the train station?', 'what are the side effects of apatinib?', '这个研究在哪里做', '參加研究要付錢嗎']) {
      expect([text, net(text)]).toEqual([text, undefined]);
    }
  });

  it('needs no test fixtures at run time: it reads the weights the build stored, and without them the patterns run alone, with a warning', () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'tg-red-flag-cache-'));
    const trained = loadRedFlagDoubtTier(projectRoot, { cacheDir });
    const root = mkdtempSync(path.join(tmpdir(), 'tg-red-flag-root-'));
    cpSync(path.join(projectRoot, 'content'), path.join(root, 'content'), { recursive: true });
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const text = 'he is slumped over in his chair and will not answer me';
    expect(loadRedFlagDoubtTier(root, { cacheDir, warn }).score(text)).toEqual(trained.score(text));
    expect(warnings).toEqual([]);
    const withoutCache = loadRedFlagDoubtTier(root, { cacheDir: mkdtempSync(path.join(tmpdir(), 'tg-red-flag-empty-')), warn });
    expect(withoutCache.doubt(text)).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/no training folder[\s\S]*patterns run alone/)]);
    expect(loadEmergencyNet(root, { cacheDir: false, warn })('his nose is bleeding and it will not stop')).toEqual({ category: 'bleeding', certainty: 'now' });
  }, 120_000);
});
