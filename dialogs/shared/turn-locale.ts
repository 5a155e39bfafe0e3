import type { TurnContext } from 'botbuilder';
import type { Locale } from '../../src/i18n/locales';
import type { Interpretation } from './interpret-turn';

export type Role = 'patient' | 'family' | 'other';

const localeKey = Symbol('trialguide.locale');
const roleKey = Symbol('trialguide.role');
const interpretationKey = Symbol('trialguide.interpretation');
const roleNoteKey = Symbol('trialguide.roleNote');

/** The bot decides the turn's language and the asker's role once per turn (from the profile); dialogs read them here. */
export function setTurnProfile(context: TurnContext, locale: Locale, role: Role | undefined): void {
  context.turnState.set(localeKey, locale);
  context.turnState.set(roleKey, role);
}

export function turnLocale(context: TurnContext): Locale {
  return context.turnState.get<Locale | undefined>(localeKey) ?? 'en';
}

/** Who is asking, if known (the profile's role, or the one inferred from this turn's message). */
export function turnRole(context: TurnContext): Role | undefined {
  return context.turnState.get<Role | undefined>(roleKey);
}

/** The bot inferred the role from this turn's message: the next question shown says so, once. */
export function setRoleInferred(context: TurnContext): void {
  context.turnState.set(roleNoteKey, 'pending');
}

/** True once per turn in which the role was inferred: the caller adds the short confirmation. */
export function takeRoleNote(context: TurnContext): boolean {
  if (context.turnState.get(roleNoteKey) !== 'pending') return false;
  context.turnState.set(roleNoteKey, 'said');
  return true;
}

/** i18next context for wording adapted to who is asking: "you" (patient) or "the patient" (family, other). */
export function turnRoleContext(context: TurnContext): 'family' | undefined {
  const role = context.turnState.get<Role | undefined>(roleKey);
  return role === 'family' || role === 'other' ? 'family' : undefined;
}

/** The turn's interpretation (interpretTurn), decided once by the bot; prompts read it instead of re-deciding. */
export function setTurnInterpretation(context: TurnContext, interpretation: Interpretation): void {
  context.turnState.set(interpretationKey, interpretation);
}

export function turnInterpretation(context: TurnContext): Interpretation | undefined {
  return context.turnState.get<Interpretation | undefined>(interpretationKey);
}
