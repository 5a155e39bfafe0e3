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

/**
 * Finds the choice a typed answer means. Order: the whole message is its number; it equals a label or
 * synonym; a label or synonym is contained in it (or it in one, for short answers) for exactly one
 * choice. Numbers inside sentences never select a choice.
 */
export function matchChoice(text: string, choices: readonly ChoiceItem[]): ChoiceItem | undefined {
  const number = parseWholeNumber(text);
  if (number !== undefined) return number >= 1 && number <= choices.length ? choices[number - 1] : undefined;

  const typed = normaliseForMatch(text);
  if (!typed) return undefined;
  const phrasesOf = (choice: ChoiceItem) => [choice.label, choice.value, ...(choice.synonyms ?? [])].map(normaliseForMatch).filter(Boolean);

  const exact = choices.filter((choice) => phrasesOf(choice).includes(typed));
  if (exact.length === 1) return exact[0];

  // Containment counts only when the phrase is a good part of the message: "我想了解副作用" picks "副作用",
  // but "what is an open label study" must not pick a menu item because it contains "study".
  const substantial = (phrase: string) => typed.includes(phrase) && typed.length <= phrase.length * 2.5 + 2;
  const containing = choices.filter((choice) => phrasesOf(choice).some(substantial));
  if (containing.length === 1) return containing[0];
  if (containing.length > 1) {
    // "not sure" contains "sure"; prefer the choice whose matching phrase is longest.
    const longest = (choice: ChoiceItem) => Math.max(...phrasesOf(choice).filter(substantial).map((phrase) => phrase.length));
    const ranked = [...containing].sort((a, b) => longest(b) - longest(a));
    if (ranked[0] && ranked[1] && longest(ranked[0]) > longest(ranked[1])) return ranked[0];
    return undefined;
  }

  // A short typed fragment of one label ("side" for "Side effects"; "副作用" for "可能的副作用").
  if (typed.length >= 2) {
    const within = choices.filter((choice) => phrasesOf(choice).some((phrase) => phrase.includes(typed)));
    if (within.length === 1) return within[0];
  }
  return undefined;
}
