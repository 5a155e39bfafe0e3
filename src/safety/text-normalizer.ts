const han = '\\p{Script=Han}';
const spaceBetweenHan = new RegExp(`(${han})\\s+(?=${han})`, 'gu');

/**
 * One spelling for everything the safety lexicons are matched against: full-width letters, digits and
 * punctuation become ASCII (NFKC), curly quotes straight, lower case, and spaces inside Chinese text removed
 * (people type "咳 血" on phone keyboards). Lengths change, so match positions refer to this text only.
 */
export function normalizeForMatching(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201b\u0060\u00b4\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2013\u2014\u2015]/g, ' - ')
    .replace(spaceBetweenHan, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

type Fold = (text: string) => string;

/** Per Chinese folder, the last message it was asked for and the result. */
const lastFolded = new WeakMap<Fold, { readonly text: string; readonly folded: string }>();

/**
 * `foldChinese(normalizeForMatching(text))`, remembered for the latest message only: the checks of one message
 * (the red-flag signs, the urgent-care check, the medical-decision check, the learned tiers) all read the
 * same text folded the same way, and the NFKC pass and the phrase-level Chinese fold were computed five
 * times a message (issue 11). One entry per folder, replaced by the next message, so nothing builds up.
 */
export function normalizeAndFold(text: string, foldChinese: Fold): string {
  const last = lastFolded.get(foldChinese);
  if (last?.text === text) return last.folded;
  const folded = foldChinese(normalizeForMatching(text));
  lastFolded.set(foldChinese, { text, folded });
  return folded;
}
