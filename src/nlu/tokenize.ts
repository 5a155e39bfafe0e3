/**
 * Turns a message into index terms. The same function runs on training utterances and on user text, so the
 * normalisation table (brand -> generic, variant spellings, common typos) only has to be right once, as data.
 */

export interface NormalisationTable {
  /** canonical term -> surface forms that mean the same (brand names, Simplified/Traditional variants, typos). */
  readonly synonyms: Readonly<Record<string, readonly string[]>>;
  /** Regular expressions (case-insensitive) replaced by a placeholder term, e.g. referral references. */
  readonly patterns: readonly { readonly pattern: string; readonly replace: string }[];
  /** Words that carry no topic: dropped after segmentation. */
  readonly stopwords: readonly string[];
}

export interface Tokenizer {
  /** Normalised, stemmed terms of a text (duplicates kept: BM25 counts them). */
  tokenize(text: string): string[];
  /** The normalised surface text, used to compare evaluation items with training utterances. */
  normalise(text: string): string;
}

const hanRun = /\p{Script=Han}+/gu;
const latinOrDigitWord = /[\p{L}\p{N}]+/gu;
const han = /\p{Script=Han}/u;

/**
 * A light suffix stripper: plural, -ing, -ed and a final e/y, enough that "bleeds", "bleeding" and "bled"-free
 * variants meet and "qualify"/"qualifies" agree. A full Porter stemmer would buy little on short questions.
 */
export function stemEnglish(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  // "bleed" and "need" must keep their -ed: only strip it from longer words.
  else if (w.endsWith('ed') && w.length > 5) w = w.slice(0, -2);
  if ((w.endsWith('e') || w.endsWith('y')) && w.length > 4) w = `${w.slice(0, -1)}${w.endsWith('y') ? 'i' : ''}`;
  return w;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Replacement {
  readonly regex: RegExp;
  readonly replace: (match: string) => string;
}

/**
 * Builds the replacements: the patterns, then ONE alternation of every surface form, longest first so
 * "甲磺酸阿帕替尼" wins over "阿帕替尼" (one pass instead of one regular expression per form). Latin forms must
 * match whole words ("pd1" inside "pd10" is not PD-1); Han forms match anywhere because Chinese has no spaces.
 */
function buildReplacements(table: NormalisationTable): Replacement[] {
  const canonicalOf = new Map<string, string>();
  for (const [canonical, variants] of Object.entries(table.synonyms)) {
    for (const variant of variants) {
      const form = variant.normalize('NFKC').toLowerCase();
      if (!canonicalOf.has(form)) canonicalOf.set(form, canonical);
    }
  }
  const forms = [...canonicalOf.keys()].sort((a, b) => b.length - a.length);
  const replacements: Replacement[] = table.patterns.map(({ pattern, replace }) => ({ regex: new RegExp(pattern, 'giu'), replace: () => ` ${replace} ` }));
  if (forms.length > 0) {
    replacements.push({ regex: new RegExp(alternationOf(forms), 'gu'), replace: (match) => ` ${canonicalOf.get(match) ?? match} ` });
  }
  return replacements;
}

/**
 * The alternation of the forms, in their order. Consecutive Latin forms share one whole-word guard around their
 * group: the same matches as a guard on each form (the regular expression backtracks into the group when the
 * guard after it fails), but V8 builds the Unicode classes of a guard once instead of once per form, which made
 * the English table cost about 0.35 s of CPU at every start (issue 11).
 */
function alternationOf(forms: readonly string[]): string {
  const groups: Array<{ latin: boolean; forms: string[] }> = [];
  for (const form of forms) {
    const latin = !han.test(form);
    const last = groups.at(-1);
    if (last && last.latin === latin) last.forms.push(escapeRegExp(form));
    else groups.push({ latin, forms: [escapeRegExp(form)] });
  }
  return groups.map((group) => (group.latin ? `(?<![\\p{L}\\p{N}])(?:${group.forms.join('|')})(?![\\p{L}\\p{N}])` : group.forms.join('|'))).join('|');
}

const segmenterCache = new Map<string, Intl.Segmenter>();
function segmenter(): Intl.Segmenter {
  const cached = segmenterCache.get('zh');
  if (cached) return cached;
  const created = new Intl.Segmenter('zh', { granularity: 'word' });
  segmenterCache.set('zh', created);
  return created;
}

/**
 * Chinese terms for one run of Han characters: the segmenter's words (minus stopwords) plus character bigrams
 * inside each stretch between stopwords. The bigrams keep recall when the dictionary splits an unfamiliar
 * word ("卡|瑞利|珠"), and breaking at stopwords keeps particles like 吗 out of the bigrams.
 */
function hanTerms(run: string, stopwords: ReadonlySet<string>): string[] {
  const terms: string[] = [];
  let stretch = '';
  const flush = (): void => {
    const chars = [...stretch];
    for (let i = 0; i + 1 < chars.length; i += 1) terms.push(`${chars[i]}${chars[i + 1]}`);
    stretch = '';
  };
  for (const { segment } of segmenter().segment(run)) {
    if (stopwords.has(segment)) {
      flush();
      continue;
    }
    // Two-character words are already bigrams; adding them again would double their weight.
    if ([...segment].length !== 2) terms.push(segment);
    stretch += segment;
  }
  flush();
  return terms;
}

export function createTokenizer(table: NormalisationTable): Tokenizer {
  const replacements = buildReplacements(table);
  const stopwords = new Set(table.stopwords.map((word) => word.normalize('NFKC').toLowerCase()));

  const normalise = (text: string): string => {
    let result = ` ${text.normalize('NFKC').toLowerCase()} `;
    for (const { regex, replace } of replacements) result = result.replace(regex, (match) => replace(match));
    return result.replace(/\s+/g, ' ').trim();
  };

  const tokenize = (text: string): string[] => {
    const normalised = normalise(text);
    const terms: string[] = [];
    // Latin words and Han runs are handled separately: Chinese messages often carry "PD-1" or a drug name in Latin.
    const latinPart = normalised.replace(hanRun, ' ');
    for (const match of latinPart.matchAll(latinOrDigitWord)) {
      const word = match[0];
      // A bare "1" or "62" is a menu choice or an answer to a prompt, never what a question is about.
      if (stopwords.has(word) || /^\d{1,2}$/.test(word)) continue;
      terms.push(stemEnglish(word));
    }
    for (const match of normalised.matchAll(hanRun)) terms.push(...hanTerms(match[0], stopwords));
    return terms;
  };

  return { tokenize, normalise };
}
