import { z } from 'zod';
import { directLineUserIdPattern } from '../../../security/directline-token';

/** Long enough for any real question, short enough to keep the log and the NLU cheap. */
export const maxMessageLength = 4000;

const userSchema = z.object({ id: z.string().regex(directLineUserIdPattern).optional(), name: z.string().max(100).optional() });
const localeSchema = z.string().max(35).regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/);

/** POST /tokens/generate: only the user id is used (names are personal data and are dropped). */
export const tokenRequestSchema = z.object({ user: userSchema.optional() }).optional();

/** POST /conversations: botframework-directlinejs sends `{user: {id}, locale}`, often with both absent. */
export const startConversationSchema = z.object({ user: userSchema.optional(), locale: localeSchema.optional() }).optional();

/**
 * What a client may post. Unknown fields are dropped; `from` is replaced by the token's user and the
 * channel fills in ids, time and addressing. Attachments (uploads) are not supported by this bot.
 */
export const postedActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().max(maxMessageLength).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: localeSchema.optional(),
  name: z.string().max(200).optional(),
  value: z.unknown().optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  localTimezone: z.string().max(64).optional(),
});

export type PostedActivity = z.infer<typeof postedActivitySchema>;

export const watermarkSchema = z
  .string()
  .regex(/^\d{0,15}$/)
  .optional()
  .transform((value) => (value ? Number(value) : 0));

/**
 * Deepest nesting a posted body may have. Web Chat's own activities nest 3-4 levels; JSON.stringify recurses
 * and a body nested thousands deep (a few kB) would overflow the stack when the activity is logged.
 */
export const maxJsonDepth = 32;

/** True when `value` nests deeper than `limit` objects/arrays. Iterative: the check itself cannot overflow. */
export function exceedsJsonDepth(value: unknown, limit = maxJsonDepth): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
  }
  return false;
}
