/**
 * `npm run eval:safety`: the red-flag detector and the medical-decision check on the frozen blind set
 * (tests/fixtures/safety/blind-14, documented by its README: written without seeing the detector, never used
 * to write patterns; still to be written) and on the tuning sets (which include the first thirteen blind sets, retired
 * on 2026-12-01 and 2026-12-02).
 * The red-flag net and the medical-decision check are reported as the bot runs them (patterns + learned tier /
 * classifier) and with the patterns alone; on the tuning set the learned parts have seen every case, so only
 * the patterns' figure there says how the rules generalise.
 * Prints each blind file's hash, recall, false-alarm rate and every miss.
 * `--set tuning` or `--set blind` limits the run; `--quiet` leaves out the tuning set's misses;
 * `--aggregates-only` leaves out every set's misses (to measure a blind set without reading what it missed).
 * `--folder DIR` scores the JSON files in DIR instead (a fresh set, before it is used for tuning).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEmergencyDetector, loadEmergencyNet, loadUrgentCareCheck } from '../src/safety/emergency-detector';
import { type LanguageFamily, loadDecisionSet, loadRedFlagSet, scoreDecisions, scoreRedFlags } from '../src/safety/evaluate-safety';
import { loadMedicalDecisionDetector, loadMedicalDecisionLexiconDetector } from '../src/safety/medical-decision-detector';

const rootDir = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const only = args.includes('--set') ? args[args.indexOf('--set') + 1] : undefined;
const quiet = args.includes('--quiet');
const aggregatesOnly = args.includes('--aggregates-only');
const families: LanguageFamily[] = ['en', 'zh'];
const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

const detector = loadEmergencyNet(rootDir);
const detectorByPatterns = loadEmergencyDetector(rootDir);
const asksAboutUrgentCare = loadUrgentCareCheck(rootDir);
const isDecision = loadMedicalDecisionDetector(rootDir);
const isDecisionByPatterns = loadMedicalDecisionLexiconDetector(rootDir);

/**
 * Set name -> folder. The first thirteen blind sets (2026-12-01/02) are tuning material now: tuning/*-former-blind-*,
 * tuning/*-former-blind-2-* to tuning/*-former-blind-13-* (their READMEs:
 * tuning/former-blind-*README.md).
 */
const sets = { blind: 'blind-14', tuning: 'tuning' } as const;
const otherFolder = args.includes('--folder') ? path.resolve(args[args.indexOf('--folder') + 1] ?? '.') : undefined;
const folders: [string, string][] = otherFolder
  ? [['other', otherFolder]]
  : Object.entries(sets).map(([name, folderName]) => [name, path.join(rootDir, 'tests', 'fixtures', 'safety', folderName)]);

for (const [name, folder] of folders) {
  if (only && only !== name) continue;
  if (!existsSync(folder)) {
    console.log(`\n=== ${name} set: ${folder} does not exist yet`);
    continue;
  }
  const redFlags = loadRedFlagSet(folder);
  const decisions = loadDecisionSet(folder);
  const showMisses = !aggregatesOnly && (name === 'blind' || !quiet);
  console.log(`\n=== ${name} set (${folder})`);
  if (name === 'blind') {
    const readme = path.join(folder, 'README.md');
    if (existsSync(readme)) console.log(`  sha256 ${createHash('sha256').update(readFileSync(readme)).digest('hex')}  README.md`);
  }
  for (const file of [...redFlags.files, ...decisions.files]) console.log(`  sha256 ${file.sha256}  ${file.name}`);
  for (const family of families) {
    const score = scoreRedFlags(detector, redFlags, family, asksAboutUrgentCare);
    console.log(`\n[red flags, ${family}] recall ${percent(score.caught, score.emergencies)} (${score.caught}/${score.emergencies}; ${score.caughtShort} with the short "if this is happening now" reply)` +
      `  false alarms ${percent(score.falseAlarms, score.lookAlikes)} (${score.falseAlarms}/${score.lookAlikes})`);
    const redFlagsByPatterns = scoreRedFlags(detectorByPatterns, redFlags, family, asksAboutUrgentCare);
    console.log(`  (patterns alone: recall ${percent(redFlagsByPatterns.caught, redFlagsByPatterns.emergencies)} (${redFlagsByPatterns.caught}/${redFlagsByPatterns.emergencies})` +
      `  false alarms ${percent(redFlagsByPatterns.falseAlarms, redFlagsByPatterns.lookAlikes)} (${redFlagsByPatterns.falseAlarms}/${redFlagsByPatterns.lookAlikes}))`);
    if (showMisses) {
      for (const miss of score.misses) console.log(`  MISSED      [${miss.category} ${miss.variant}] ${miss.text}`);
      for (const alarm of score.wrongAlarms) console.log(`  FALSE ALARM [${alarm.category} ${alarm.variant}] ${alarm.text}  -> ${alarm.got ? `${alarm.got.category}/${alarm.got.certainty}` : 'urgent-care question (short line)'}`);
    }
    const decision = scoreDecisions(isDecision, decisions, family);
    console.log(`[medical decisions, ${family}] deflected ${percent(decision.deflected, decision.decisions)} (${decision.deflected}/${decision.decisions})` +
      `  study questions deflected ${percent(decision.wronglyDeflected, decision.studyQuestions)} (${decision.wronglyDeflected}/${decision.studyQuestions})`);
    const byPatterns = scoreDecisions(isDecisionByPatterns, decisions, family);
    console.log(`  (patterns alone: deflected ${percent(byPatterns.deflected, byPatterns.decisions)} (${byPatterns.deflected}/${byPatterns.decisions})` +
      `  study questions deflected ${percent(byPatterns.wronglyDeflected, byPatterns.studyQuestions)} (${byPatterns.wronglyDeflected}/${byPatterns.studyQuestions}))`);
    if (showMisses) {
      for (const miss of decision.misses) console.log(`  NOT DEFLECTED [${miss.variant}] ${miss.text}`);
      for (const miss of byPatterns.misses.filter((item) => !decision.misses.includes(item))) console.log(`  ONLY THE CLASSIFIER DEFLECTED [${miss.variant}] ${miss.text}`);
      for (const wrong of decision.wrong) console.log(`  WRONGLY DEFLECTED [${wrong.variant}] ${wrong.text}`);
    }
  }
}
