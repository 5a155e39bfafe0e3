import type { Relationship } from '../../src/storage/ports';
import type { ChoiceSpec } from '../shared/localized-choices';
import type { Role } from '../shared/turn-locale';

/** Choices of the hand-off, erase and check-referral dialogs (all strings in the handoff namespace). */

export const yesNoChoices: ChoiceSpec[] = [
  { value: 'yes', labelKey: 'handoff:choice.yes', synonymsKey: 'handoff:choice.yesSynonyms' },
  { value: 'no', labelKey: 'handoff:choice.no', synonymsKey: 'handoff:choice.noSynonyms' },
];

export const bestTimePresets = ['morning', 'afternoon', 'evening', 'any'] as const;
export const bestTimeChoices: ChoiceSpec[] = bestTimePresets.map((value) => ({ value, labelKey: `handoff:bestTime.${value}`, synonymsKey: `handoff:bestTime.${value}Synonyms` }));

/** Spoken language for the call, stored as these ids (readable in the coordinator CSV). */
export const spokenLanguages = ['english', 'mandarin', 'cantonese'] as const;
export type SpokenLanguage = (typeof spokenLanguages)[number];
export const languageChoices: ChoiceSpec[] = spokenLanguages.map((value) => ({ value, labelKey: `handoff:language.${value}`, synonymsKey: `handoff:language.${value}Synonyms` }));

export const relationships: readonly Relationship[] = ['self', 'family', 'other'];
export const relationshipChoices: ChoiceSpec[] = relationships.map((value) => ({ value, labelKey: `handoff:relationship.${value}`, synonymsKey: `handoff:relationship.${value}Synonyms` }));

/** Who the person said they are at the start of the chat, as the relationship the study team needs. */
export function relationshipOfRole(role: Role | undefined): Relationship | undefined {
  if (role === 'patient') return 'self';
  return role;
}

export const reviewChoices: ChoiceSpec[] = (['send', 'change', 'cancel'] as const).map((value) => ({ value, labelKey: `handoff:review.${value}`, synonymsKey: `handoff:review.${value}Synonyms` }));

export const retryChoices: ChoiceSpec[] = [
  { value: 'retry', labelKey: 'handoff:saveFailed.retry', synonymsKey: 'handoff:saveFailed.retrySynonyms' },
  { value: 'menu', labelKey: 'handoff:nav.menu' },
];
