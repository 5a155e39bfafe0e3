import { type Locale, isLocale } from '../i18n/locales';
import { type FunnelFilter, type FunnelStore, funnelStages, type UnansweredQuestion } from '../storage/funnel-ports';
import { type ReferralStatus, referralStatuses } from '../storage/ports';
import { addWeeks, isIsoWeek, isoWeekOf, mondayOf, weeksBetween } from './iso-week';

/** The funnel's rows, top to bottom: the bot's stages, then what coordinators recorded on the referrals. */
export const funnelRows = [...funnelStages, 'contacted', 'enrolled'] as const;
export type FunnelRow = (typeof funnelRows)[number];

/** Statuses that mean the study team reached the person (the "contacted" row); "unreachable" does not. */
export const contactedStatuses: ReadonlySet<ReferralStatus> = new Set(['contacted', 'screening', 'enrolled', 'not-eligible', 'declined']);

/** What the funnel page shows: filters already validated, both week ends included. */
export interface FunnelQuery {
  readonly locale?: Locale;
  readonly channel?: string;
  readonly fromWeek: string;
  readonly toWeek: string;
}

export interface FunnelReport {
  readonly query: FunnelQuery;
  /** Every week of the range, oldest first. */
  readonly weeks: readonly string[];
  /** Row -> week -> count (0 where nothing happened). */
  readonly byWeek: Readonly<Record<FunnelRow, Readonly<Record<string, number>>>>;
  readonly totals: Readonly<Record<FunnelRow, number>>;
  /** Referrals made in the range (by week of creation) by their current status. */
  readonly referralStatuses: Readonly<Record<ReferralStatus, number>>;
  /** Channels with any count, for the channel filter. */
  readonly channels: readonly string[];
  readonly unansweredQuestions: readonly UnansweredQuestion[];
}

export const defaultWeeksShown = 8;
/** Longest range shown: two years of weeks. */
export const maxWeeksShown = 106;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Reads the page's filters from a query string (`lang`, `channel`, `from`, `to`; weeks as `2026-W49`, which
 * is what an `<input type="week">` sends). Anything invalid falls back to the default: the last 8 weeks, all
 * languages and channels.
 */
export function parseFunnelQuery(params: Readonly<Record<string, unknown>>, now: Date, timeZone = 'UTC'): FunnelQuery {
  const single = (value: unknown) => (Array.isArray(value) ? value[0] : value) as unknown;
  const lang = single(params.lang);
  const channel = single(params.channel);
  const currentWeek = isoWeekOf(now, timeZone);
  let toWeek = isIsoWeek(single(params.to)) ? (single(params.to) as string) : currentWeek;
  let fromWeek = isIsoWeek(single(params.from)) ? (single(params.from) as string) : addWeeks(toWeek, -(defaultWeeksShown - 1));
  if (fromWeek > toWeek) [fromWeek, toWeek] = [toWeek, fromWeek];
  const weeks = weeksBetween(fromWeek, toWeek, maxWeeksShown);
  return {
    ...(isLocale(lang) ? { locale: lang } : {}),
    ...(typeof channel === 'string' && /^[a-z][a-z0-9-]{0,31}$/.test(channel) ? { channel } : {}),
    fromWeek: weeks[0] ?? fromWeek,
    toWeek,
  };
}

export async function loadFunnelReport(store: FunnelStore, query: FunnelQuery, options: { timeZone?: string; questionLimit?: number } = {}): Promise<FunnelReport> {
  const timeZone = options.timeZone ?? 'UTC';
  const weeks = weeksBetween(query.fromWeek, query.toWeek, maxWeeksShown);
  const filter: FunnelFilter = {
    ...(query.locale ? { locale: query.locale } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    fromWeek: weeks[0] ?? query.fromWeek,
    toWeek: query.toWeek,
  };
  const byWeek = Object.fromEntries(funnelRows.map((row) => [row, Object.fromEntries(weeks.map((week) => [week, 0]))])) as Record<FunnelRow, Record<string, number>>;
  const statuses = Object.fromEntries(referralStatuses.map((status) => [status, 0])) as Record<ReferralStatus, number>;
  const inRange = new Set(weeks);

  const [counts, channels, unansweredQuestions] = await Promise.all([
    store.counts(filter),
    store.channels(),
    store.unansweredQuestions(filter, options.questionLimit ?? 100),
  ]);
  for (const row of counts) {
    const cells: Record<string, number> = byWeek[row.stage];
    if (inRange.has(row.week)) cells[row.week] = (cells[row.week] ?? 0) + row.count;
  }

  // Weeks are local to the site: read a day either side of the UTC range, then bucket each referral exactly.
  const from = new Date(mondayOf(filter.fromWeek ?? query.fromWeek).getTime() - dayMs);
  const to = new Date(mondayOf(query.toWeek).getTime() + 8 * dayMs);
  const referrals = await store.referralsCreatedBetween(from, to, { ...(query.locale ? { locale: query.locale } : {}), ...(query.channel ? { channel: query.channel } : {}) });
  for (const referral of referrals) {
    const week = isoWeekOf(referral.createdAt, timeZone);
    if (!inRange.has(week)) continue;
    statuses[referral.status] += 1;
    if (contactedStatuses.has(referral.status)) byWeek.contacted[week] = (byWeek.contacted[week] ?? 0) + 1;
    if (referral.status === 'enrolled') byWeek.enrolled[week] = (byWeek.enrolled[week] ?? 0) + 1;
  }

  const totals = Object.fromEntries(funnelRows.map((row) => [row, Object.values(byWeek[row]).reduce((sum, value) => sum + value, 0)])) as Record<FunnelRow, number>;
  return { query: { ...query, fromWeek: filter.fromWeek ?? query.fromWeek }, weeks, byWeek, totals, referralStatuses: statuses, channels, unansweredQuestions };
}
