import type { Activity } from 'botbuilder';
import { z } from 'zod';

const id = z.string().min(1).max(512);
const account = z.looseObject({ id });

/**
 * What /api/messages needs before anything else looks at an activity: a JSON object with a type, the channel, a
 * conversation and a sender with ids; text, locale and name, when present, are strings. Anything else (a form-encoded body, `conversation: null`) is a 400 here
 * rather than a TypeError deep inside botbuilder. Unknown fields pass through: channels add their own.
 */
const inboundActivitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.string().max(2048).optional(),
  conversation: account,
  from: account,
  recipient: account.optional(),
  // The turn reads these as text: another type is a malformed activity, not a crash later.
  text: z.string().max(100_000).optional(),
  locale: z.string().max(64).optional(),
  name: z.string().max(256).optional(),
  membersAdded: z.array(account).max(100).optional(),
  membersRemoved: z.array(account).max(100).optional(),
  entities: z.array(z.looseObject({})).max(100).optional(),
  attachments: z.array(z.looseObject({})).max(50).optional(),
});

/** Dates as botbuilder's CloudAdapter would fix them (`validateAndFixActivity`), keeping the raw strings. */
function fixTimestamps(activity: Record<string, unknown>): void {
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['localTimestamp', 'rawLocalTimestamp'],
    ['expiration', 'rawExpiration'],
  ] as const) {
    const value = activity[field];
    if (typeof value === 'string') {
      activity[raw] = value;
      activity[field] = new Date(value);
    }
  }
}

/** The activity, or undefined when the body is not one. `isJson`: the request said `application/json`. */
export function readInboundActivity(body: unknown, isJson: boolean): Activity | undefined {
  if (!isJson) return undefined;
  const parsed = inboundActivitySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const activity = { ...parsed.data } as Record<string, unknown>;
  fixTimestamps(activity);
  return activity as unknown as Activity;
}
