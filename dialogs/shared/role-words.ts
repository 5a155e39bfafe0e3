import { z } from 'zod';
import roleData from '../../content/roles.json';
import { supportedLocales } from '../../src/i18n/locales';

const schema = z.object({ family: z.object(Object.fromEntries(supportedLocales.map((locale) => [locale, z.array(z.string().min(2)).min(1)]))) });
const family = Object.values(schema.parse(roleData).family).flat();
const latin = family.filter((phrase) => /^[\x20-\x7e]+$/u.test(phrase)).map((phrase) => phrase.toLowerCase());
const chinese = family.filter((phrase) => !/^[\x20-\x7e]+$/u.test(phrase));
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
