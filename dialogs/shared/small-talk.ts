import type { TFunction } from 'i18next';
import { z } from 'zod';
import { contentFile, readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';

const kinds = ['robot', 'thanks', 'bye', 'greeting'] as const;
export type SmallTalkKind = (typeof kinds)[number] | 'other';

/** content/small-talk.json: which patterns call for which small-talk reply. */
export const smallTalkFile = contentFile('content/small-talk.json', z.object({ kinds: z.array(z.object({ kind: z.enum(kinds), patterns: z.array(z.string().min(1)).min(1) })) }));
const rules = readContentFile(projectRoot, smallTalkFile).kinds.map(({ kind, patterns }) => ({ kind, pattern: new RegExp(patterns.join('|'), 'iu') }));

/** Which small-talk reply fits a message the recognizer called small talk (locales: common:smallTalk.<kind>). */
export function smallTalkKind(text: string): SmallTalkKind {
  const lower = text.normalize('NFKC').toLowerCase();
  return rules.find((rule) => rule.pattern.test(lower))?.kind ?? 'other';
}

/** What the bot says to small talk (in kind) or to a message not about this study ("only this study"). */
export function replyInKind(t: TFunction, kind: 'smallTalk' | 'outOfScope', text: string): string {
  return kind === 'smallTalk' ? t(`common:smallTalk.${smallTalkKind(text)}`) : t('common:ask.outOfScope');
}
