/**
 * ISO-8601 weeks ('2026-W49'): weeks start on Monday and belong to the year of their Thursday. Weeks are
 * counted in the site's time zone when it has one (an IANA name such as 'Asia/Shanghai'), else in UTC, so a
 * Monday-morning chat in Hong Kong is not filed under the previous week.
 * The zero-padded form sorts as text in time order, which the store's week-range filters rely on.
 */
const weekPattern = /^(\d{4})-W(\d{2})$/;
const dayMs = 24 * 60 * 60 * 1000;

export function isIsoWeek(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = weekPattern.exec(value);
  if (!match) return false;
  const week = Number(match[2]);
  return week >= 1 && week <= weeksInYear(Number(match[1]));
}

/** Throws on an unknown zone name, so a bad site file fails at start rather than on the first event. */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
}

/** The ISO week that `instant` falls in, on the calendar of `timeZone` (default UTC). */
export function isoWeekOf(instant: Date, timeZone = 'UTC'): string {
  const { year, month, day } = calendarDate(instant, timeZone);
  return isoWeekOfCalendarDate(year, month, day);
}

/** Monday 00:00 UTC of the week (the day the week starts on, as a UTC date). */
export function mondayOf(week: string): Date {
  const match = weekPattern.exec(week);
  if (!match || !isIsoWeek(week)) throw new Error(`not an ISO week: ${week}`);
  const year = Number(match[1]);
  // 4 January is always in week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Weekday = (new Date(jan4).getUTCDay() + 6) % 7;
  return new Date(jan4 - jan4Weekday * dayMs + (Number(match[2]) - 1) * 7 * dayMs);
}

export function addWeeks(week: string, count: number): string {
  return isoWeekOf(new Date(mondayOf(week).getTime() + count * 7 * dayMs));
}

/** Every week from `from` to `to`, both included (empty when `from` is after `to`); at most `limit`, the newest kept. */
export function weeksBetween(from: string, to: string, limit = 106): string[] {
  const weeks: string[] = [];
  for (let week = to; week >= from && weeks.length < limit; week = addWeeks(week, -1)) weeks.unshift(week);
  return weeks;
}

function isoWeekOfCalendarDate(year: number, month: number, day: number): string {
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  const thursday = new Date(date + (3 - weekday) * dayMs);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * dayMs)) + 1;
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

function weeksInYear(year: number): number {
  // A year has 53 weeks when 28 December (always in its last week) is in week 53.
  return isoWeekOfCalendarDate(year, 12, 28).endsWith('W53') ? 53 : 52;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function calendarDate(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  if (timeZone === 'UTC') return { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}
