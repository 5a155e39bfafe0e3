import type { Locale } from '../i18n/locales';
import { formatDate, intlLocaleOf, isLocale, supportedLocales } from '../i18n/locales';
import { type FunnelReport, type FunnelRow, funnelRows } from '../funnel/funnel-report';
import { referralStatuses } from '../storage/ports';

/** Translations of the `funnel` namespace for one locale (i18next's getFixedT(locale, 'funnel')). */
export type FunnelT = (key: string, options?: Record<string, unknown>) => string;

export interface FunnelPageView {
  /** The coordinator's UI language (numbers are formatted for it). */
  readonly locale: Locale;
  readonly t: FunnelT;
  readonly report: FunnelReport;
  /** How long unanswered questions are kept (CHAT_STATE_RETENTION_DAYS), for the list's note. */
  readonly questionRetentionDays: number;
  /** The zone weeks and dates are counted in (the site file's), as the page states it. */
  readonly timeZone: string;
  /** Where the filter form is sent (GET). */
  readonly action?: string;
}

/** The bot's stages are drawn in one colour, what coordinators recorded in another; both over 7:1 on white. */
const botStageColour = '#1d4f91';
const referralStageColour = '#6b3a00';
const inkColour = '#1a1a1a';

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

/**
 * The body of /console/funnel (inside the console layout): the filters, the funnel as a plain-SVG bar chart
 * (role="img" with a <title> and a <desc> that spells out every number) and as a table by week with the same
 * numbers, the referrals by status, and the unanswered questions. Everything shown is escaped here.
 */
export function renderFunnelPage(view: FunnelPageView): string {
  const { t, report } = view;
  const number = new Intl.NumberFormat(intlLocaleOf(view.locale));
  const count = (value: number) => number.format(value);
  const stageLabel = (row: FunnelRow) => t(`stages.${row}`);
  const range = { from: report.query.fromWeek, to: report.query.toWeek };

  return [
    `<h1>${esc(t('title'))}</h1>`,
    `<p class="hint">${esc(t('intro', { timeZone: view.timeZone }))}</p>`,
    filtersForm(view),
    `<section aria-labelledby="funnel-chart-heading">`,
    `<h2 id="funnel-chart-heading">${esc(t('chart.heading'))}</h2>`,
    barChart(view, stageLabel, count),
    `</section>`,
    `<section aria-labelledby="funnel-table-heading">`,
    `<h2 id="funnel-table-heading">${esc(t('table.heading'))}</h2>`,
    `<div class="table-scroll" tabindex="0" role="region" aria-labelledby="funnel-table-caption">`,
    `<table class="funnel-table" id="funnel-table">`,
    `<caption id="funnel-table-caption">${esc(t('table.caption', range))}</caption>`,
    `<thead><tr><th scope="col">${esc(t('table.stage'))}</th>${report.weeks.map((week) => `<th scope="col">${esc(week)}</th>`).join('')}<th scope="col">${esc(t('table.total'))}</th></tr></thead>`,
    `<tbody>`,
    ...funnelRows.map(
      (row) =>
        `<tr data-stage="${esc(row)}"><th scope="row">${esc(stageLabel(row))}</th>${report.weeks
          .map((week) => `<td>${esc(count(report.byWeek[row][week] ?? 0))}</td>`)
          .join('')}<td data-total="${esc(row)}">${esc(count(report.totals[row]))}</td></tr>`,
    ),
    `</tbody>`,
    `</table>`,
    `</div>`,
    `</section>`,
    `<section aria-labelledby="funnel-status-heading">`,
    `<h2 id="funnel-status-heading">${esc(t('statuses.heading'))}</h2>`,
    `<table class="funnel-statuses" id="funnel-statuses">`,
    `<caption>${esc(t('statuses.caption', range))}</caption>`,
    `<thead><tr><th scope="col">${esc(t('statuses.status'))}</th><th scope="col">${esc(t('statuses.count'))}</th></tr></thead>`,
    `<tbody>${referralStatuses.map((status) => `<tr data-status="${esc(status)}"><th scope="row">${esc(t(`statuses.names.${status}`))}</th><td>${esc(count(report.referralStatuses[status]))}</td></tr>`).join('')}</tbody>`,
    `</table>`,
    `</section>`,
    unansweredQuestions(view, count),
  ].join('\n');
}

function filtersForm(view: FunnelPageView): string {
  const { t, report } = view;
  const { query } = report;
  const channelName = (channel: string) => t(`channels.${channel}`, { defaultValue: channel });
  const channels = [...new Set([...report.channels, ...(query.channel ? [query.channel] : [])])].sort();
  const option = (value: string, label: string, selected: boolean) => `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
  const weekInput = (name: 'from' | 'to', id: string, label: string, value: string) =>
    `<p><label for="${id}">${esc(label)}</label><input id="${id}" name="${name}" type="week" value="${esc(value)}" aria-describedby="funnel-week-hint"></p>`;
  return [
    `<form method="get" action="${esc(view.action ?? '/console/funnel')}" class="filter-form funnel-filters" aria-label="${esc(t('filters.legend'))}">`,
    `<p><label for="funnel-lang">${esc(t('filters.language'))}</label><select id="funnel-lang" name="lang">${option('', t('filters.all'), !query.locale)}${supportedLocales
      .map((locale) => option(locale, t(`languages.${locale}`), query.locale === locale))
      .join('')}</select></p>`,
    `<p><label for="funnel-channel">${esc(t('filters.channel'))}</label><select id="funnel-channel" name="channel">${option('', t('filters.all'), !query.channel)}${channels
      .map((channel) => option(channel, channelName(channel), query.channel === channel))
      .join('')}</select></p>`,
    weekInput('from', 'funnel-from', t('filters.fromWeek'), query.fromWeek),
    weekInput('to', 'funnel-to', t('filters.toWeek'), query.toWeek),
    `<p class="actions"><button type="submit">${esc(t('filters.apply'))}</button></p>`,
    `<p class="hint" id="funnel-week-hint">${esc(t('filters.weekHint'))}</p>`,
    `</form>`,
  ].join('\n');
}

/**
 * Horizontal bars, one per row, label above its bar and the number after it, so no text is ever clipped
 * whatever the language. Sizes in SVG user units; the viewBox scales it to the page width.
 */
function barChart(view: FunnelPageView, stageLabel: (row: FunnelRow) => string, count: (value: number) => string): string {
  const { t, report } = view;
  // 800 units wide: about 1:1 on a landscape tablet, the labels still ~15 px in portrait.
  const width = 800;
  const barArea = 680;
  const left = 8;
  const rowHeight = 46;
  const top = 8;
  const max = Math.max(1, ...funnelRows.map((row) => report.totals[row]));
  const values = funnelRows.map((row) => t('chart.value', { stage: stageLabel(row), value: count(report.totals[row]) })).join('; ');
  const bars = funnelRows.map((row, index) => {
    const y = top + index * rowHeight;
    const total = report.totals[row];
    // A zero still gets a sliver, so the row visibly exists.
    const barWidth = total === 0 ? 2 : Math.max(2, Math.round((total / max) * barArea));
    const fill = row === 'contacted' || row === 'enrolled' ? referralStageColour : botStageColour;
    return [
      `<g data-stage="${esc(row)}">`,
      `<text x="${left}" y="${y + 16}" font-size="16" fill="${inkColour}">${esc(stageLabel(row))}</text>`,
      `<rect x="${left}" y="${y + 22}" width="${barWidth}" height="18" fill="${fill}"></rect>`,
      `<text class="bar-value" x="${left + barWidth + 8}" y="${y + 37}" font-size="16" font-weight="700" fill="${inkColour}">${esc(count(total))}</text>`,
      `</g>`,
    ].join('');
  });
  const height = top * 2 + funnelRows.length * rowHeight;
  return [
    `<svg class="funnel-chart" id="funnel-chart" role="img" aria-labelledby="funnel-chart-title funnel-chart-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">`,
    `<title id="funnel-chart-title">${esc(t('chart.title', { from: report.query.fromWeek, to: report.query.toWeek }))}</title>`,
    `<desc id="funnel-chart-desc">${esc(t('chart.desc', { values }))}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"></rect>`,
    ...bars,
    `</svg>`,
  ].join('\n');
}

function unansweredQuestions(view: FunnelPageView, count: (value: number) => string): string {
  const { t, report } = view;
  const items = report.unansweredQuestions.map(
    (question) =>
      `<li><q${isLocale(question.locale) ? ` lang="${question.locale}"` : ''}>${esc(question.text)}</q> <span class="hint">${esc(t('questions.times', { times: count(question.count) }))} · ${esc(
        t('questions.lastAsked', { date: formatDate(question.lastAskedAt, view.locale, view.timeZone) }),
      )}</span></li>`,
  );
  return [
    `<section aria-labelledby="funnel-questions-heading">`,
    `<h2 id="funnel-questions-heading">${esc(t('questions.heading'))}</h2>`,
    `<p class="hint">${esc(t('questions.intro', { days: view.questionRetentionDays }))}</p>`,
    items.length > 0 ? `<ol class="unanswered-questions" id="funnel-questions">\n${items.join('\n')}\n</ol>` : `<p id="funnel-questions">${esc(t('questions.none'))}</p>`,
    `</section>`,
  ].join('\n');
}
