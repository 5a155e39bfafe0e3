import { z } from 'zod';
import { contentFile, readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';
import type { Locale } from '../../src/i18n/locales';
import { normaliseForMatch } from './text-normalise';

export const commandNames = ['menu', 'help', 'back', 'restart', 'language', 'switch-en', 'switch-zh-Hans', 'switch-zh-Hant', 'switch-zh', 'handoff', 'erase', 'check-referral'] as const;
export type Command = (typeof commandNames)[number];

/** content/commands.json: the phrases of each global command, in every language. */
export const commandsFile = contentFile('content/commands.json', z.object({ commands: z.record(z.enum(commandNames), z.array(z.string().min(1)).min(1)) }));
const lexicon = new Map<string, Command>();
for (const [command, phrases] of Object.entries(readContentFile(projectRoot, commandsFile).commands) as [Command, string[]][]) {
  for (const phrase of phrases) lexicon.set(normaliseForMatch(phrase) || phrase, command);
}

/** A global command when the whole message is one of its phrases, in any language. */
export function recognizeCommand(text: string | undefined): Command | undefined {
  if (!text) return undefined;
  const normalised = normaliseForMatch(text) || text.trim();
  return lexicon.get(normalised);
}

/** The language a switch asks for; "中文" without a script keeps a Chinese conversation's script. */
export function localeOfSwitch(command: Command, current: Locale): Locale | undefined {
  if (command === 'switch-zh') return current === 'en' ? 'zh-Hans' : current;
  if (command === 'switch-en') return 'en';
  if (command === 'switch-zh-Hans') return 'zh-Hans';
  if (command === 'switch-zh-Hant') return 'zh-Hant';
  return undefined;
}
