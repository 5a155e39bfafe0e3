import { z } from 'zod';
import { contentFile, readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';
import { supportedLocales } from '../../src/i18n/locales';
import { normaliseForMatch } from './text-normalise';
import type { Role } from './turn-locale';

const phrasesPerLocale = z.object(Object.fromEntries(supportedLocales.map((locale) => [locale, z.array(z.string().min(2)).min(1)])));
/** content/roles.json: words that say a relative is asking, and whole statements of who is asking, per locale. */
export const rolesFile = contentFile('content/roles.json', z.object({
  family: phrasesPerLocale,
  statements: z.object({ leadIns: z.array(z.string().min(1)), trailing: z.array(z.string().min(1)), patient: phrasesPerLocale, family: phrasesPerLocale, other: phrasesPerLocale }),
}));
const roles = readContentFile(projectRoot, rolesFile);
const isLatin = (phrase: string) => /^[\x20-\x7e]+$/u.test(phrase);
const family = Object.values(roles.family).flat();
const latin = family.filter(isLatin).map((phrase) => phrase.toLowerCase());
const chinese = family.filter((phrase) => !isLatin(phrase));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
const latinPattern = new RegExp(`(?<![a-z])(?:${latin.map(escape).join('|')})(?![a-z])`, 'iu');

/**
 * Who a message says is asking, from the words it uses (content/roles.json): 'family' for "my father", 我爸,
 * 阿爸, 老豆...; undefined when it does not say. Only a hint: the bot uses it while the role is not known yet.
 */
export function roleMentioned(text: string): 'family' | undefined {
  const normalised = text.normalize('NFKC').replace(/[’‘]/gu, "'");
  if (latinPattern.test(normalised)) return 'family';
  return chinese.some((phrase) => normalised.includes(phrase)) ? 'family' : undefined;
}

/** A statement's phrases with {relative} filled in: English templates with English words, Chinese with Chinese (also 我 + 阿媽). */
function expand(phrases: readonly string[]): string[] {
  const chineseRelatives = [...new Set(chinese.flatMap((relative) => (relative.startsWith('我') ? [relative] : [relative, `我${relative}`])))];
  return phrases.flatMap((phrase) => {
    if (!phrase.includes('{relative}')) return [phrase];
    return (isLatin(phrase) ? latin : chineseRelatives).map((relative) => phrase.replace('{relative}', relative));
  });
}

const statedRoles: readonly Role[] = ['patient', 'family', 'other'];
/** Every statement, normalised as typed text is, to the role it states. */
const statements = new Map<string, Role>(
  statedRoles.flatMap((role) => expand(Object.values(roles.statements[role]).flat()).map((phrase) => [normaliseForMatch(phrase), role] as const)),
);
const leadIns = roles.statements.leadIns.map(normaliseForMatch).filter(Boolean);
const trailing = roles.statements.trailing.map(normaliseForMatch).filter(Boolean);

function withoutTrailing(text: string): string {
  let rest = text;
  for (let found = trailing.find((particle) => rest.endsWith(particle) && rest.length > particle.length); found; found = trailing.find((particle) => rest.endsWith(particle) && rest.length > particle.length)) {
    rest = rest.slice(0, -found.length);
  }
  return rest;
}

/** The message itself, and what is left after one or two lead-ins ("no, …", "不是，…", "no, sorry, …"). */
function withoutLeadIns(text: string): string[] {
  const once = leadIns.filter((leadIn) => text.startsWith(leadIn) && text.length > leadIn.length).map((leadIn) => text.slice(leadIn.length));
  const twice = once.flatMap((rest) => leadIns.filter((leadIn) => rest.startsWith(leadIn) && rest.length > leadIn.length).map((leadIn) => rest.slice(leadIn.length)));
  return [text, ...once, ...twice];
}

/**
 * Who the message SAYS is asking, when the whole message is such a statement ("I am the patient", "我就是病人",
 * "no, I am asking for my mother", "我係屋企人", "I'm a carer"); undefined for anything else, including a
 * question that only mentions a relative ("can my father join?": see roleMentioned). The bot sets or corrects
 * the role from it at any point; the role question reads it as the answer.
 */
export function roleStated(text: string): Role | undefined {
  const typed = withoutTrailing(normaliseForMatch(text));
  if (!typed) return undefined;
  for (const candidate of withoutLeadIns(typed)) {
    const role = statements.get(withoutTrailing(candidate));
    if (role) return role;
  }
  return undefined;
}

/** The role a choice's value stands for: the role question's values, and the hand-off's 'self' for the patient. */
export function roleOfChoice(value: string): Role | undefined {
  if (value === 'self') return 'patient';
  return statedRoles.find((role) => role === value);
}
