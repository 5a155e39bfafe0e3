import type { Activity } from 'botbuilder';

type Rule = (value: unknown) => boolean;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length in code points (a surrogate pair is one; a lone surrogate one too), as the limits below count. */
function codePointLength(value: string): number {
  let count = value.length;
  for (let index = 0; index < value.length - 1; index += 1) {
    if ((value.charCodeAt(index) & 0xfc00) === 0xd800 && (value.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      count -= 1;
      index += 1;
    }
  }
  return count;
}

/** A string of min to max code points. A code point is one or two UTF-16 units, so most need no counting. */
const text =
  (min: number, max: number): Rule =>
  (value) => {
    if (typeof value !== 'string') return false;
    if (value.length <= max && value.length >= 2 * min) return true;
    const length = codePointLength(value);
    return length >= min && length <= max;
  };
const optional =
  (rule: Rule): Rule =>
  (value) =>
    value === undefined || rule(value);
const arrayOf =
  (item: Rule, max: number): Rule =>
  (value) =>
    Array.isArray(value) && value.length <= max && value.every(item);
const id = text(1, 512);
const account: Rule = (value) => isObject(value) && id(value.id);

/**
 * What /api/messages needs before anything else looks at an activity: a JSON object with a type, the channel, a
 * conversation and a sender with ids; text, locale and name, when present, are strings. Anything else (a form-encoded body, `conversation: null`) is a 400 here
 * rather than a TypeError deep inside botbuilder. Unknown fields pass through: channels add their own.
 * Checked by hand rather than with a zod schema (the same rules, string limits in code points as zod counts
 * them): zod's parse and copy of every activity were ~0.5% of a turn's CPU under load (issue 11).
 */
const inboundActivityRules: ReadonlyArray<readonly [string, Rule]> = [
  ['type', text(1, 64)],
  ['channelId', text(1, 64)],
  ['serviceUrl', optional(text(0, 2048))],
  ['conversation', account],
  ['from', account],
  ['recipient', optional(account)],
  // The turn reads these as text: another type is a malformed activity, not a crash later.
  ['text', optional(text(0, 100_000))],
  ['locale', optional(text(0, 64))],
  ['name', optional(text(0, 256))],
  ['membersAdded', optional(arrayOf(account, 100))],
  ['membersRemoved', optional(arrayOf(account, 100))],
  ['entities', optional(arrayOf(isObject, 100))],
  ['attachments', optional(arrayOf(isObject, 50))],
];

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
  if (!isObject(body) || !inboundActivityRules.every(([field, rule]) => rule(body[field]))) return undefined;
  const activity: Record<string, unknown> = { ...body };
  fixTimestamps(activity);
  return activity as unknown as Activity;
}
