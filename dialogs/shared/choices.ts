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

/** A label, value or synonym with the forms matching compares (computed once per phrase, see `preparedOf`). */
interface Phrase {
  normalised: string;
  /** Latin script: compared as whole words (`spaced`); else by plain containment of `normalised`. */
  latin: boolean;
  spaced: string;
}

interface PreparedChoice {
  /** Label, value and synonyms, in that order, without those that normalise to nothing. */
  phrases: readonly Phrase[];
  /** Normalised label and synonyms (not the value): what namesChoiceExactly compares. */
  names: ReadonlySet<string>;
}

/** The typed text's forms, each computed at most once per call. */
interface Typed {
  text: string;
  normalised: string;
  latin: boolean;
  spaced: () => string;
}

function phraseOf(text: string): Phrase {
  return { normalised: normaliseForMatch(text), latin: latinOnly.test(text), spaced: spaced(text) };
}

function prepare(choice: ChoiceItem): PreparedChoice {
  const phrases = [choice.label, choice.value, ...(choice.synonyms ?? [])].map(phraseOf).filter((phrase) => phrase.normalised);
  const names = new Set([choice.label, ...(choice.synonyms ?? [])].map(normaliseForMatch).filter(Boolean));
  return { phrases, names };
}

/**
 * Choices are matched on every turn against the same lists: localizeChoices hands out the same frozen items
 * for a locale and question, and normalising every label and synonym again each time was ~2% of a turn's CPU
 * under load (issue 11). A frozen item (with frozen synonyms) cannot change, so its phrases are prepared once;
 * any other item is prepared afresh on each call.
 */
const prepared = new WeakMap<ChoiceItem, PreparedChoice>();

function preparedOf(choice: ChoiceItem): PreparedChoice {
  const known = prepared.get(choice);
  if (known) return known;
  const fresh = prepare(choice);
  if (Object.isFrozen(choice) && (choice.synonyms === undefined || Object.isFrozen(choice.synonyms))) prepared.set(choice, fresh);
  return fresh;
}

function typedOf(text: string): Typed {
  let spacedText: string | undefined;
  return { text, normalised: normaliseForMatch(text), latin: latinOnly.test(text), spaced: () => (spacedText ??= spaced(text)) };
}

/**
 * Whether the typed text contains the phrase: whole words for Latin script ("I know" does not contain
 * "no"), plain containment for Chinese, which has no spaces between words.
 */
function typedContains(typed: Typed, phrase: Phrase): boolean {
  return phrase.latin ? typed.spaced().includes(phrase.spaced) : typed.normalised.includes(phrase.normalised);
}

/** Whether the phrase contains the typed text, by the same rules (the script decided by the typed text). */
function phraseContains(phrase: Phrase, typed: Typed): boolean {
  return typed.latin ? phrase.spaced.includes(typed.spaced()) : phrase.normalised.includes(typed.normalised);
}

/**
 * Finds the choice a typed answer means. Order: the whole message is its number; it equals a label or
 * synonym; a label or synonym is a good part of it, for exactly one choice; it is a short fragment of
 * exactly one label. Numbers inside sentences never select a choice.
 */
export function matchChoice(text: string, choices: readonly ChoiceItem[]): ChoiceItem | undefined {
  const number = parseWholeNumber(text);
  if (number !== undefined) return number >= 1 && number <= choices.length ? choices[number - 1] : undefined;

  const typed = typedOf(text);
  if (!typed.normalised) return undefined;
  const phrasesOf = (choice: ChoiceItem) => preparedOf(choice).phrases;

  const exact = choices.filter((choice) => phrasesOf(choice).some((phrase) => phrase.normalised === typed.normalised));
  if (exact.length === 1) return exact[0];

  // Containment counts only when the phrase is a good part of the message: "我想了解副作用" picks "副作用",
  // but "what is an open label study" must not pick a menu item because it contains "study".
  const substantial = (phrase: Phrase) => typedContains(typed, phrase) && typed.normalised.length <= phrase.normalised.length * 2.5 + 2;
  const containing = choices.filter((choice) => phrasesOf(choice).some(substantial));
  if (containing.length === 1) return containing[0];
  if (containing.length > 1) {
    // "not sure" contains "sure"; prefer the choice whose matching phrase is longest.
    const longest = (choice: ChoiceItem) => Math.max(...phrasesOf(choice).filter(substantial).map((phrase) => phrase.normalised.length));
    const ranked = [...containing].sort((a, b) => longest(b) - longest(a));
    if (ranked[0] && ranked[1] && longest(ranked[0]) > longest(ranked[1])) return ranked[0];
    return undefined;
  }

  // A short typed fragment of one label ("side effects" for "Possible side effects"; "副作用" for "可能的副作用").
  if (typed.normalised.length >= 2) {
    const within = choices.filter((choice) => phrasesOf(choice).some((phrase) => phraseContains(phrase, typed)));
    if (within.length === 1) return within[0];
  }
  return undefined;
}

/** True when the typed text is exactly one choice's label or synonym (it answers the question, whatever else it means). */
export function namesChoiceExactly(text: string, choices: readonly ChoiceItem[]): boolean {
  const typed = normaliseForMatch(text);
  return Boolean(typed) && choices.some((choice) => preparedOf(choice).names.has(typed));
}
