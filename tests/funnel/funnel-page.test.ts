import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunnelT, renderFunnelPage } from '../../src/console/funnel-page';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { type FunnelReport, funnelRows, loadFunnelReport, parseFunnelQuery } from '../../src/funnel/funnel-report';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { FunnelCount } from '../../src/storage/funnel-ports';
import type { NewReferral, ReferralStatus, Stores } from '../../src/storage/ports';

const now = new Date('2026-12-01T10:00:00Z'); // Tuesday of 2026-W49
const translator = createTranslator(projectRoot);
const funnelT = (locale: (typeof supportedLocales)[number]) => translator.getFixedT(locale, 'funnel') as unknown as FunnelT;
let stores: Stores;
let dataDir: string;

function count(week: string, locale: string, channel: string, stage: FunnelCount['stage'], value: number): FunnelCount {
  return { week, locale, channel, stage, count: value };
}

function referral(locale: string, channel: string): NewReferral {
  return {
    conversationKey: `${channel}/${Math.random().toString(36).slice(2)}`,
    channel,
    locale,
    contact: { name: '陈小明', phone: '+8613812345678', bestTime: 'morning', preferredLanguage: locale, relationship: 'self' },
    consentVersion: 'consent-v1',
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-funnel-page-'));
  stores = await createStores(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
  await stores.funnel.add(
    [
      count('2026-W47', 'en', 'directline', 'precheck-started', 99), // before the range
      count('2026-W48', 'en', 'directline', 'conversation-started', 1200),
      count('2026-W49', 'en', 'directline', 'conversation-started', 34),
      count('2026-W49', 'zh-Hans', 'wechat', 'topic-viewed', 5),
      count('2026-W49', 'zh-Hant', 'directline', 'precheck-may-fit', 2),
      count('2026-W49', 'zh-Hans', 'wechat', 'handoff-consented', 3),
    ],
    [
      { text: 'Is parking free?', outcome: 'unsure', week: '2026-W49', locale: 'en', channel: 'directline', at: new Date('2026-11-30T09:00:00Z') },
      { text: 'Is parking free?', outcome: 'unsure', week: '2026-W49', locale: 'en', channel: 'directline', at: new Date('2026-11-30T10:00:00Z') },
      { text: '停车<script>alert(1)</script> & "费用"', outcome: 'outOfScope', week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', at: new Date('2026-12-01T08:00:00Z') },
    ],
  );
  const made: Array<[string, string, ReferralStatus, Date]> = [
    ['zh-Hans', 'wechat', 'enrolled', new Date('2026-11-30T01:00:00Z')],
    ['en', 'directline', 'contacted', new Date('2026-11-30T02:00:00Z')],
    ['zh-Hans', 'wechat', 'unreachable', new Date('2026-12-01T03:00:00Z')],
    ['en', 'directline', 'enrolled', new Date('2026-11-10T03:00:00Z')], // 2026-W46: before the range
  ];
  for (const [locale, channel, status, at] of made) {
    const created = await stores.referrals.createWithNotifications(referral(locale, channel), [], at);
    if (status !== 'new') await stores.referrals.update(created.id, { status }, now);
  }
});

afterAll(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The page's numbers, read back from its markup: table totals, per-week cells, chart bar labels, statuses. */
function numbersOnPage(html: string) {
  const digits = (text: string) => Number(text.replace(/[^\d]/g, ''));
  const totals: Record<string, number> = {};
  const cells: Record<string, number[]> = {};
  const bars: Record<string, number> = {};
  for (const [, stage, row] of html.matchAll(/<tr data-stage="([\w-]+)">(.*?)<\/tr>/g)) {
    cells[stage!] = [...row!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((match) => digits(match[1]!));
    totals[stage!] = digits(/<td data-total="[\w-]+">([^<]*)<\/td>/.exec(row!)![1]!);
  }
  for (const [, stage, value] of html.matchAll(/<g data-stage="([\w-]+)">.*?<text class="bar-value"[^>]*>([^<]*)<\/text><\/g>/g)) bars[stage!] = digits(value!);
  const statuses = Object.fromEntries([...html.matchAll(/<tr data-status="([\w-]+)"><th scope="row">[^<]*<\/th><td>([^<]*)<\/td><\/tr>/g)].map((match) => [match[1], digits(match[2]!)]));
  return { totals, cells, bars, statuses };
}

async function render(locale: (typeof supportedLocales)[number], params: Record<string, string>): Promise<{ html: string; report: FunnelReport }> {
  const report = await loadFunnelReport(stores.funnel, parseFunnelQuery(params, now));
  return { report, html: renderFunnelPage({ locale, t: funnelT(locale), report, questionRetentionDays: 30, timeZone: 'UTC' }) };
}

describe('funnel page', () => {
  const allWeeks = { from: '2026-W48', to: '2026-W49' };
  const expectedTotals: Record<string, number> = {
    'conversation-started': 1234,
    'topic-viewed': 5,
    'question-recognised': 0,
    'question-not-recognised': 0,
    'precheck-started': 0,
    'precheck-may-fit': 2,
    'precheck-probably-not': 0,
    'precheck-cannot-tell': 0,
    'handoff-consented': 3,
    contacted: 2,
    enrolled: 1,
  };

  it('shows in the table and on every bar the numbers in the store, in every locale', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const { html } = await render(locale, allWeeks);
      const numbers = numbersOnPage(html);
      expect(numbers.totals, locale).toEqual(expectedTotals);
      expect(numbers.bars, locale).toEqual(expectedTotals);
      // Columns: 2026-W48, 2026-W49, total.
      expect(numbers.cells['conversation-started'], locale).toEqual([1200, 34, 1234]);
      expect(numbers.cells.contacted, locale).toEqual([0, 2, 2]);
      expect(numbers.cells['precheck-started'], locale).toEqual([0, 0, 0]);
      expect(numbers.statuses, locale).toEqual({ new: 0, contacted: 1, screening: 0, enrolled: 1, 'not-eligible': 0, declined: 0, unreachable: 1 });
      expect(html, locale).toContain('<th scope="col">2026-W48</th><th scope="col">2026-W49</th>');
      // Grouped thousands, as the coordinator's language writes them.
      expect(html, locale).toContain('>1,234<');
    }
  });

  it('labels everything from the locale file (no key shows), and the chart says every number in its description', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const strings = JSON.parse(readFileSync(path.join(projectRoot, 'locales', locale, 'funnel.json'), 'utf8')) as { title: string; stages: Record<string, string>; questions: { heading: string } };
      const { html } = await render(locale, allWeeks);
      expect(html, locale).toContain(`<h1>${strings.title}</h1>`);
      expect(html, locale).toContain(strings.questions.heading);
      for (const row of funnelRows) expect(html, `${locale} ${row}`).toContain(`<th scope="row">${strings.stages[row]}</th>`);
      expect(html, locale).not.toMatch(/>(stages|chart|table|filters|questions|statuses|languages|channels)\.[\w.-]+</);
      const svg = /<svg[^>]*role="img"[^>]*aria-labelledby="funnel-chart-title funnel-chart-desc"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
      expect(svg, locale).toContain('<title id="funnel-chart-title">');
      const desc = /<desc id="funnel-chart-desc">([^<]*)<\/desc>/.exec(svg)?.[1] ?? '';
      for (const row of funnelRows) expect(desc, `${locale} ${row}`).toContain(strings.stages[row]!);
      expect(desc, locale).toContain('1,234');
    }
  });

  it('draws with enough contrast on its white background: text 4.5:1, bars 3:1 (WCAG 1.4.3, 1.4.11)', async () => {
    expect.hasAssertions();
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((at) => {
        const channel = parseInt(hex.slice(at, at + 2), 16) / 255;
        return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const contrast = (a: string, b: string) => {
      const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (light! + 0.05) / (dark! + 0.05);
    };
    const { html } = await render('en', allWeeks);
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    const background = /<rect x="0" y="0" width="\d+" height="\d+" fill="(#[0-9a-f]{6})">/.exec(svg)?.[1];
    expect(background).toBe('#ffffff');
    const textFills = [...svg.matchAll(/<text[^>]* fill="(#[0-9a-f]{6})"/g)].map((match) => match[1]!);
    const barFills = [...svg.matchAll(/<rect x="8"[^>]* fill="(#[0-9a-f]{6})"/g)].map((match) => match[1]!);
    expect(textFills).toHaveLength(funnelRows.length * 2);
    expect(barFills).toHaveLength(funnelRows.length);
    for (const fill of textFills) expect(contrast(fill, background!), fill).toBeGreaterThanOrEqual(4.5);
    for (const fill of barFills) expect(contrast(fill, background!), fill).toBeGreaterThanOrEqual(3);
  });

  it('filters by language, channel and weeks', async () => {
    const zhHans = numbersOnPage((await render('en', { ...allWeeks, lang: 'zh-Hans' })).html);
    expect(zhHans.totals).toMatchObject({ 'conversation-started': 0, 'topic-viewed': 5, 'handoff-consented': 3, contacted: 1, enrolled: 1, 'precheck-may-fit': 0 });
    expect(zhHans.statuses).toMatchObject({ enrolled: 1, unreachable: 1, contacted: 0 });
    const directline = numbersOnPage((await render('en', { ...allWeeks, channel: 'directline' })).html);
    expect(directline.totals).toMatchObject({ 'conversation-started': 1234, 'topic-viewed': 0, 'precheck-may-fit': 2, contacted: 1, enrolled: 0 });
    const earlier = await render('zh-Hant', { from: '2026-W46', to: '2026-W47' });
    expect(numbersOnPage(earlier.html).totals).toMatchObject({ 'precheck-started': 99, 'conversation-started': 0, enrolled: 1, contacted: 1 });
    expect(earlier.report.weeks).toEqual(['2026-W46', '2026-W47']);
    // The form shows the filters in force.
    const { html } = await render('en', { ...allWeeks, lang: 'zh-Hant', channel: 'wechat' });
    expect(html).toContain('<option value="zh-Hant" selected>');
    expect(html).toContain('<option value="wechat" selected>WeChat</option>');
    expect(html).toContain('name="from" type="week" value="2026-W48"');
  });

  it('falls back to the last 8 weeks for missing or malformed filters, and swaps a reversed range', () => {
    expect(parseFunnelQuery({}, now)).toEqual({ fromWeek: '2026-W42', toWeek: '2026-W49' });
    expect(parseFunnelQuery({ lang: 'fr', channel: '<x>', from: '2026-W99', to: 'yesterday' }, now)).toEqual({ fromWeek: '2026-W42', toWeek: '2026-W49' });
    expect(parseFunnelQuery({ lang: 'zh-Hans', channel: 'wechat', from: '2026-W49', to: '2026-W40' }, now)).toEqual({ locale: 'zh-Hans', channel: 'wechat', fromWeek: '2026-W40', toWeek: '2026-W49' });
    expect(parseFunnelQuery({ from: '2010-W01', to: '2026-W49' }, now).fromWeek).toBe('2024-W48'); // 106 weeks, 2026 having 53
    expect(parseFunnelQuery({}, new Date('2026-11-29T20:00:00Z'), 'Asia/Hong_Kong').toWeek).toBe('2026-W49');
  });

  it('lists unanswered questions newest first with their counts, escaped', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const { html } = await render(locale, allWeeks);
      const items = [...html.matchAll(/<li><q lang="([\w-]+)">(.*?)<\/q> <span class="hint">(.*?)<\/span><\/li>/g)].map((match) => [match[2], match[3], match[1]]);
      expect(items.map(([text]) => text), locale).toEqual(['停车&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;费用&quot;', 'Is parking free?']);
      expect(items[1]?.[1], locale).toContain('2');
      expect(items[1]?.[1], locale).toContain(locale === 'en' ? '30 November 2026' : '2026年11月30日');
      // Each text is marked with the language it was asked in, whatever the page's language.
      expect(items.map((item) => item[2]), locale).toEqual(['zh-Hans', 'en']);
      expect(html, locale).not.toContain('<script>');
    }
    // Dates on the site's calendar: 20:00 UTC on 30 November is already 1 December in Hong Kong.
    const report = await loadFunnelReport(stores.funnel, parseFunnelQuery(allWeeks, now));
    const late = { ...report, unansweredQuestions: [{ text: 'late question', count: 1, lastAskedAt: new Date('2026-11-30T20:00:00Z'), locale: 'en' }] };
    expect(renderFunnelPage({ locale: 'en', t: funnelT('en'), report: late, questionRetentionDays: 30, timeZone: 'UTC' })).toContain('30 November 2026');
    expect(renderFunnelPage({ locale: 'en', t: funnelT('en'), report: late, questionRetentionDays: 30, timeZone: 'Asia/Hong_Kong' })).toContain('1 December 2026');
    const empty = await render('zh-Hans', { from: '2026-W40', to: '2026-W41' });
    expect(empty.html).toContain('<p id="funnel-questions">这些周内没有未回答的问题。</p>');
  });
});
