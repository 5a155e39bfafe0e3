import { describe, expect, it } from 'vitest';
import { addWeeks, assertTimeZone, isIsoWeek, isoWeekOf, mondayOf, weeksBetween } from '../../src/funnel/iso-week';

describe('ISO weeks', () => {
  const cases: Array<[string, string]> = [
    ['2026-12-01T12:00:00Z', '2026-W49'], // a Tuesday
    ['2026-11-30T00:00:00Z', '2026-W49'], // Monday 00:00 starts the week
    ['2026-11-29T23:59:59.999Z', '2026-W48'], // Sunday ends the one before
    ['2021-01-03T12:00:00Z', '2020-W53'], // early January in the previous year's week 53
    ['2024-12-30T12:00:00Z', '2025-W01'], // late December in the next year's week 1
    ['2026-01-01T00:00:00Z', '2026-W01'],
  ];
  it('buckets an instant into its week (UTC)', () => {
    expect.hasAssertions();
    for (const [instant, week] of cases) expect(isoWeekOf(new Date(instant)), instant).toBe(week);
  });

  it('counts in the site time zone when one is given', () => {
    // Sunday 20:00 UTC is already Monday 04:00 in Hong Kong and Shanghai, still Sunday in New York.
    const instant = new Date('2026-11-29T20:00:00Z');
    expect(isoWeekOf(instant)).toBe('2026-W48');
    expect(isoWeekOf(instant, 'Asia/Hong_Kong')).toBe('2026-W49');
    expect(isoWeekOf(instant, 'Asia/Shanghai')).toBe('2026-W49');
    expect(isoWeekOf(instant, 'America/New_York')).toBe('2026-W48');
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('validates, steps and spans weeks across year ends', () => {
    expect(isIsoWeek('2026-W49')).toBe(true);
    expect(isIsoWeek('2020-W53')).toBe(true);
    expect(isIsoWeek('2026-W53')).toBe(true); // 2026 starts on a Thursday
    expect(isIsoWeek('2025-W53')).toBe(false);
    expect(isIsoWeek('2026-W00')).toBe(false);
    expect(isIsoWeek('2026-W5')).toBe(false);
    expect(isIsoWeek(49)).toBe(false);
    expect(mondayOf('2026-W49').toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(mondayOf('2021-W01').toISOString()).toBe('2021-01-04T00:00:00.000Z');
    expect(() => mondayOf('2026-W60')).toThrow(/ISO week/);
    expect(addWeeks('2020-W52', 1)).toBe('2020-W53');
    expect(addWeeks('2020-W53', 1)).toBe('2021-W01');
    expect(addWeeks('2026-W02', -3)).toBe('2025-W51');
    expect(weeksBetween('2025-W51', '2026-W02')).toEqual(['2025-W51', '2025-W52', '2026-W01', '2026-W02']);
    expect(weeksBetween('2026-W02', '2025-W51')).toEqual([]);
    expect(weeksBetween('2020-W01', '2026-W49', 3)).toEqual(['2026-W47', '2026-W48', '2026-W49']);
  });
});
