import { type MedicalDecisionLexicon, loadLexicon, medicalDecisionLexiconSchema, medicinePlaceholder } from './lexicon-loader';
import { normalizeForMatching } from './text-normalizer';

/** Builds a detector from a lexicon; the one regular expression is compiled here, once. */
export function createMedicalDecisionDetector(lexicon: MedicalDecisionLexicon): (text: string) => boolean {
  const words = [...lexicon.medicineWords.en, ...lexicon.medicineWords['zh-Hans'], ...lexicon.medicineWords['zh-Hant']];
  const medicine = words.join('|');
  const sources = [...lexicon.patterns.en, ...lexicon.patterns['zh-Hans'], ...lexicon.patterns['zh-Hant']].map((source) => `(?:${source.replaceAll(medicinePlaceholder, medicine)})`);
  const pattern = new RegExp(sources.length > 0 ? sources.join('|') : '(?!)', 'iu');
  return (text: string): boolean => pattern.test(normalizeForMatching(text));
}

const defaultDetector = createMedicalDecisionDetector(loadLexicon(medicalDecisionLexiconSchema, 'medical-decision-lexicon.json'));

/** Whether a message asks the bot to make a medical decision (stop, skip, change or dose a medicine; compare treatments). */
export function detectMedicalDecisionRequest(text: string): boolean {
  return defaultDetector(text);
}
