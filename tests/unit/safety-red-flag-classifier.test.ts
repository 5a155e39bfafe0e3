import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { loadEmergencyDetector, loadEmergencyNet, loadRedFlagDoubtTier, loadUrgentCareCheck } from '../../src/safety/emergency-detector';
import type { EmergencyCategory } from '../../src/safety/emergency-categories';
import { loadRedFlagSet, scoreRedFlags } from '../../src/safety/evaluate-safety';
import { loadDoubtGate, redFlagClassifierSettingsSchema } from '../../src/safety/red-flag-classifier';
import { loadSafetyFile } from '../../src/safety/red-flag-lexicon';

const tuningFolder = path.join(projectRoot, 'tests', 'fixtures', 'safety', 'tuning');
const bySigns = loadEmergencyDetector(projectRoot);
const asksAboutUrgentCare = loadUrgentCareCheck(projectRoot);

/**
 * The red-flag net's learned doubt tier. Its training data includes every tuning file, so here it is trained
 * again without the six sets it was last calibrated on (content/safety/red-flag-classifier.json has the sweep:
 * former-blind-8 and -9, fresh-8a to -8d) and the -more-7 to -more-9 files written from their misses, and scored
 * there with today's patterns. Issue 7's criterion: the most recall with false alarms (patterns + tier) at most
 * about 4% of each held-out set's look-alikes (English 0.6, Chinese 0.7).
 */
const heldOutSets = ['former-blind-8', 'former-blind-9', 'fresh-8a', 'fresh-8b', 'fresh-8c', 'fresh-8d'] as const;
const writtenFromThem = ['more-7', 'more-8', 'more-9'];

describe('red-flag doubt tier', () => {
  it('trained without six held-out sets, catches their emergencies with the patterns at least as well as the patterns alone, and keeps false alarms within about 4% of each set\'s look-alikes', () => {
    expect.hasAssertions();
    const excluded = (file: string) => [...heldOutSets, ...writtenFromThem].some((name) => file.startsWith(`red-flags-${name}-`));
    const tier = loadRedFlagDoubtTier(projectRoot, { excludeFiles: excluded });
    const all = loadRedFlagSet(tuningFolder);
    const withTier = (text: string) => bySigns(text) ?? tier.doubt(text);
    const seen: string[] = [];
    for (const set of heldOutSets) {
      const inSet = (file: string) => file.startsWith(`red-flags-${set}-`);
      const only = { files: all.files.filter((file) => inSet(file.name)), cases: all.cases.filter((item) => inSet(item.file)) };
      for (const family of ['en', 'zh'] as const) {
        const patterns = scoreRedFlags(bySigns, only, family, asksAboutUrgentCare);
        const net = scoreRedFlags(withTier, only, family, asksAboutUrgentCare);
        seen.push(`${set}-${family} ${net.emergencies}+${net.lookAlikes}`);
        expect(net.caught).toBeGreaterThanOrEqual(patterns.caught);
        // "About 4%": 7 of 170 (4.1%) passes, 6 of 140 (4.3%) does not.
        expect([set, family, net.falseAlarms / net.lookAlikes <= 0.042]).toEqual([set, family, true]);
      }
    }
    expect(seen).toEqual(heldOutSets.flatMap((set) => [`${set}-en 140+140`, `${set}-zh 170+170`]));
  }, 60_000);

  it('stays silent when every clause naming a sign is denied, over, past, hypothetical, a question or a figure of speech, and not when one is happening now or goes on', () => {
    const gate = loadDoubtGate(projectRoot, loadSafetyFile(redFlagClassifierSettingsSchema, path.join(projectRoot, 'content', 'safety'), 'red-flag-classifier.json'));
    const closed: [string, EmergencyCategory][] = [
      ["nose isn't bleeding, it's just dry and crusty", 'bleeding'],
      ['my dad has no chest pain and no breathing trouble, he just feels tired', 'chest'],
      ['沒有喘不過氣', 'breathing'],
      ['胸口不疼', 'chest'],
      ['had one seizure in 2019, none since and off meds', 'seizure'],
      ['used to get chest pains last year, cardiologist said my heart is ok', 'chest'],
      ['萬一他以後咳血怎麼辦', 'bleeding'],
      ["I'm not suicidal, just tired of the side effects", 'self-harm'],
      ["back in my twenties i had thoughts of ending my life, got help and i'm well now", 'self-harm'],
      // Asking whether one can still join makes what it names history, its live-sounding words included.
      ['my dad bled everywhere after radiation years ago, can he still take part?', 'bleeding'],
      ['几年前放疗后大出血止不住，现在还能参加吗', 'bleeding'],
      // 'It won't stop' after an 'if' is still hypothetical.
      ['萬一流鼻血流唔停要去邊', 'bleeding'],
      // A figure of speech the lexicon knows, holding the words the tier flagged.
      ["i've overdosed on google tonight lol", 'self-harm'],
      ['等你回复等到快断气了', 'breathing'],
    ];
    const open: [string, EmergencyCategory][] = [
      ['his nose is bleeding and it will not stop', 'bleeding'],
      ['she is gasping and her lips look blue', 'breathing'],
      ['我爸胸口好痛，一直冒冷汗', 'chest'],
      ['no fever, but he is having a seizure right now', 'seizure'],
      ["everyone would be better off if I was dead, I'm going to do it this time", 'self-harm'],
      ["in my twenties i tried to end my life, i'm fine now but tonight i want to end it again", 'self-harm'],
      ['years ago i wanted to die, i still want to die', 'self-harm'],
      // A live signal outweighs the distant past and a question after it.
      ["he had a big bleed after radiotherapy years ago, can't stop it, is that serious?", 'bleeding'],
      ['他几年前放疗后大出血，现在止不住，严重吗', 'bleeding'],
      ['输液的时候全身发痒，然后头晕，护士说血压在往下掉，严重吗', 'allergic-infusion'],
      // 'Was fine yesterday' is a baseline, not recovery.
      ['my mother is very sleepy and confused today, cant answer simple questions, she was fine yesterday', 'consciousness'],
      ['我媽從下午開始一直講些奇怪的話，還說看到不存在的人，昨天都還好好的', 'consciousness'],
      // A figure of speech explains away only its own words: another clause still keeps the tier.
      ["i've overdosed on google tonight lol, and now he is slumped over and won't wake up", 'consciousness'],
      // Names no sign the lexicon knows: what the tier is for.
      ['阿媽瞓咗喺梳化，叫極拍極都唔醒', 'consciousness'],
    ];
    expect.assertions(closed.length + open.length);
    for (const [text, category] of closed) expect([text, gate(text, category)]).toEqual([text, true]);
    for (const [text, category] of open) expect([text, gate(text, category)]).toEqual([text, false]);
  });

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
