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
 * again without former-blind-4 (the fourth blind set, measured once and then retired) and scored there with
 * the patterns. The clean figure was taken once, on 2026-12-01, before former-blind-4's misses were read:
 * English recall 140/152 with the patterns alone, 145/152 with the tier, false alarms 4/150 either way;
 * in Chinese the tier at its calibrated threshold raised false alarms from 5/192 to 7/192 (over 3%), so it is
 * off there (threshold null) and adds nothing.
 */
describe('red-flag doubt tier', () => {
  const heldOut = (file: string) => file.startsWith('red-flags-former-blind-4-');

  it('trained without former-blind-4, catches more of its English emergencies than the patterns alone with no more false alarms, and adds nothing in Chinese', () => {
    const tier = loadRedFlagDoubtTier(projectRoot, { excludeFiles: heldOut });
    const set = loadRedFlagSet(tuningFolder);
    const only = { files: set.files.filter((file) => heldOut(file.name)), cases: set.cases.filter((item) => heldOut(item.file)) };
    const withTier = (text: string) => bySigns(text) ?? tier.doubt(text);
    const en = { patterns: scoreRedFlags(bySigns, only, 'en', asksAboutUrgentCare), withTier: scoreRedFlags(withTier, only, 'en', asksAboutUrgentCare) };
    expect(en.withTier.emergencies).toBe(152);
    expect(en.withTier.caught - en.patterns.caught).toBeGreaterThanOrEqual(3);
    expect(en.withTier.falseAlarms).toBe(en.patterns.falseAlarms);
    const zh = { patterns: scoreRedFlags(bySigns, only, 'zh', asksAboutUrgentCare), withTier: scoreRedFlags(withTier, only, 'zh', asksAboutUrgentCare) };
    expect([zh.withTier.caught, zh.withTier.falseAlarms]).toEqual([zh.patterns.caught, zh.patterns.falseAlarms]);
  }, 120_000);

  it('only adds the short reply when the signs find nothing, and never raises or removes an answer', () => {
    const net = loadEmergencyNet(projectRoot);
    for (const text of ['his nose is bleeding and it will not stop', 'I have a nosebleed', '他吃了一整瓶安眠药', 'he fainted yesterday']) expect(net(text)).toEqual(bySigns(text));
    // Over the held-out English cases (tier trained without them): every change is an added short reply.
    const heldOutTier = loadRedFlagDoubtTier(projectRoot, { excludeFiles: (file) => file.startsWith('red-flags-former-blind-4-') });
    const changed = loadRedFlagSet(tuningFolder).cases.filter((item) => item.file === 'red-flags-former-blind-4-en.json' && heldOutTier.doubt(item.text) !== undefined && bySigns(item.text) === undefined);
    expect(changed.length).toBeGreaterThanOrEqual(3);
    for (const item of changed) expect(heldOutTier.doubt(item.text)?.certainty).toBe('unclear');
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
