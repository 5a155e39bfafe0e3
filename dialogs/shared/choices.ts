import { normaliseForMatch, parseWholeNumber } from './text-normalise';

/** One option of a question. Serializable: it lives in dialog state between turns. */
export interface ChoiceItem {
  /** What the dialog receives (stable id). */
  value: string;
  /** What the person sees on the button and in the numbered list. */
  label: string;
  /** Other words people type for it, in the conversation's language (from the locale files). */
  synonyms?: string[];
}

/** Lower case, punctuation as spaces, single spaces: keeps word boundaries for Latin-script matching. */
function spaced(text: string): string {
  return ` ${text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}\s]+/gu, ' ').trim()} `;
}

const latinOnly = /^[^\p{Script=Han}]*[a-z][^\p{Script=Han}]*$/iu;

/**
 * Whether the typed text contains the phrase: whole words for Latin script ("I know" does not contain
 * "no"), plain containment for Chinese, which has no spaces between words.
 */
function contains(typed: string, phrase: string): boolean {
  return latinOnly.test(phrase) ? spaced(typed).includes(spaced(phrase)) : normaliseForMatch(typed).includes(normaliseForMatch(phrase));
}

/**
 * Finds the choice a typed answer means. Order: the whole message is its number; it equals a label or
 * synonym; a label or synonym is a good part of it, for exactly one choice; it is a short fragment of
 * exactly one label. Numbers inside sentences never select a choice.
 */
export function matchChoice(text: string, choices: readonly ChoiceItem[]): ChoiceItem | undefined {
  const number = parseWholeNumber(text);
  if (number !== undefined) return number >= 1 && number <= choices.length ? choices[number - 1] : undefined;

  const typed = normaliseForMatch(text);
  if (!typed) return undefined;
  const phrasesOf = (choice: ChoiceItem) => [choice.label, choice.value, ...(choice.synonyms ?? [])].filter((phrase) => normaliseForMatch(phrase));

  const exact = choices.filter((choice) => phrasesOf(choice).some((phrase) => normaliseForMatch(phrase) === typed));
  if (exact.length === 1) return exact[0];

  // Containment counts only when the phrase is a good part of the message: "我想了解副作用" picks "副作用",
  // but "what is an open label study" must not pick a menu item because it contains "study".
  const substantial = (phrase: string) => contains(text, phrase) && typed.length <= normaliseForMatch(phrase).length * 2.5 + 2;
  const containing = choices.filter((choice) => phrasesOf(choice).some(substantial));
  if (containing.length === 1) return containing[0];
  if (containing.length > 1) {
    // "not sure" contains "sure"; prefer the choice whose matching phrase is longest.
    const longest = (choice: ChoiceItem) => Math.max(...phrasesOf(choice).filter(substantial).map((phrase) => normaliseForMatch(phrase).length));
    const ranked = [...containing].sort((a, b) => longest(b) - longest(a));
    if (ranked[0] && ranked[1] && longest(ranked[0]) > longest(ranked[1])) return ranked[0];
    return undefined;
  }

  // A short typed fragment of one label ("side effects" for "Possible side effects"; "副作用" for "可能的副作用").
  if (typed.length >= 2) {
    const within = choices.filter((choice) => phrasesOf(choice).some((phrase) => contains(phrase, text)));
    if (within.length === 1) return within[0];
  }
  return undefined;
}

/** True when the typed text is exactly one choice's label or synonym (it answers the question, whatever else it means). */
export function namesChoiceExactly(text: string, choices: readonly ChoiceItem[]): boolean {
  const typed = normaliseForMatch(text);
  return Boolean(typed) && choices.some((choice) => [choice.label, ...(choice.synonyms ?? [])].some((phrase) => normaliseForMatch(phrase) === typed));
}
