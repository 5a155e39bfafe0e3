import type { Locale } from '../i18n/locales';
import { supportedLocales } from '../i18n/locales';
import type { NotificationDelivery, ReferralOpened } from '../storage/console-store';
import { type Referral, type ReferralSummary, referralStatuses } from '../storage/ports';

/**
 * The console's HTML, rendered on the server: every value escaped here, no inline script or style (the CSP
 * forbids both), one stylesheet and one small script from /console/assets. Strings come from
 * locales/<locale>/console.json through `t`.
 */
export type ConsoleT = (key: string, options?: Record<string, unknown>) => string;

export interface PageFrame {
  locale: Locale;
  t: ConsoleT;
  title: string;
  /** The hospital's name in this locale (site file). */
  siteName: string;
  /** Present when signed in: the header then shows navigation and sign-out. */
  signedIn?: { displayName: string; csrfToken: string };
  /** Where the language links come back to (a console path with its query). */
  currentPath: string;
  activeNav?: 'referrals' | 'funnel';
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

/** `2026-12-01 13:05` (UTC): one unambiguous form for every locale; the headings say UTC. */
export function formatTime(at: Date): string {
  return at.toISOString().slice(0, 16).replace('T', ' ');
}

export function csrfField(csrfToken: string): string {
  return `<input type="hidden" name="_csrf" value="${esc(csrfToken)}">`;
}

/** The whole document around a page's main content. */
export function renderPage(frame: PageFrame, main: string): string {
  const { locale, t, signedIn } = frame;
  const languageLinks = supportedLocales
    .map((option) => {
      const href = `/console/language?lang=${encodeURIComponent(option)}&back=${encodeURIComponent(frame.currentPath)}`;
      const current = option === locale ? ' aria-current="true"' : '';
      return `<li><a href="${esc(href)}" lang="${option}" hreflang="${option}"${current}>${esc(t(`languages.${option}`))}</a></li>`;
    })
    .join('');
  const nav = signedIn
    ? `<nav class="main-nav" aria-label="${esc(t('nav.label'))}"><ul>
<li><a href="/console"${frame.activeNav === 'referrals' ? ' aria-current="page"' : ''}>${esc(t('nav.referrals'))}</a></li>
<li><a href="/console/funnel"${frame.activeNav === 'funnel' ? ' aria-current="page"' : ''}>${esc(t('nav.funnel'))}</a></li>
</ul></nav>
<div class="account"><span>${esc(t('nav.signedInAs', { name: signedIn.displayName }))}</span>
<form method="post" action="/console/sign-out">${csrfField(signedIn.csrfToken)}<button type="submit" class="link-button">${esc(t('nav.signOut'))}</button></form></div>`
    : '';
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(frame.title)} · ${esc(t('title'))}</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">${esc(t('nav.skip'))}</a>
<header class="top">
<p class="brand">${esc(t('title'))} · ${esc(frame.siteName)}</p>
${nav}
<nav class="languages" aria-label="${esc(t('nav.language'))}"><ul>${languageLinks}</ul></nav>
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`;
}

export interface SignInView {
  message?: { kind: 'error' | 'info'; text: string };
  name?: string;
  /** Other ways to sign in (single sign-on), shown above the password form. */
  alternatives?: Array<{ href: string; label: string }>;
}

export function signInMain(t: ConsoleT, view: SignInView): string {
  const message = view.message ? `<p class="message ${view.message.kind}" role="${view.message.kind === 'error' ? 'alert' : 'status'}">${esc(view.message.text)}</p>` : '';
  const alternatives = (view.alternatives ?? []).map((option) => `<p><a class="button" href="${esc(option.href)}">${esc(option.label)}</a></p>`).join('');
  return `<h1>${esc(t('signIn.heading'))}</h1>
${message}
${alternatives}
<form method="post" action="/console/sign-in" class="sign-in">
<p><label for="name">${esc(t('signIn.name'))}</label>
<input id="name" name="name" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${esc(view.name ?? '')}"></p>
<p><label for="password">${esc(t('signIn.password'))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>
<p><button type="submit">${esc(t('signIn.submit'))}</button></p>
</form>
<p class="hint">${esc(t('signIn.noAccountHint'))}</p>`;
}

export interface ListFilters {
  status?: string;
  locale?: string;
  channel?: string;
  outcome?: string;
  from?: string;
  to?: string;
  reference?: string;
}

export function filterQuery(filters: ListFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface ListView {
  filters: ListFilters;
  counts: Record<string, number>;
  channels: string[];
  items: ReferralSummary[];
  opened: Map<string, ReferralOpened>;
  /** Cursor of the next (older) page, if any. */
  nextCursor?: string;
  /** True on the first page: only it polls for new referrals. */
  live: boolean;
  pollSeconds: number;
  notice?: string;
}

export function listMain(t: ConsoleT, view: ListView): string {
  const { filters } = view;
  const counts = statusCountItems(t, view.counts);
  const select = (name: keyof ListFilters, label: string, options: Array<[string, string]>) =>
    `<p><label for="filter-${name}">${esc(label)}</label>
<select id="filter-${name}" name="${name}"><option value="">${esc(t('list.any'))}</option>${options
      .map(([value, text]) => `<option value="${esc(value)}"${filters[name] === value ? ' selected' : ''}>${esc(text)}</option>`)
      .join('')}</select></p>`;
  const notice = view.notice ? `<p class="message info" role="status">${esc(view.notice)}</p>` : '';
  return `<h1>${esc(t('list.title'))}</h1>
${notice}
<section aria-labelledby="counts-heading" class="counts">
<h2 id="counts-heading">${esc(t('list.counts'))}</h2>
<ul id="status-counts">${counts}</ul>
</section>
<details class="filters"${Object.values(filters).some(Boolean) ? ' open' : ''}>
<summary>${esc(t('list.filters'))}</summary>
<form method="get" action="/console" class="filter-form">
${select('status', t('list.status'), referralStatuses.map((status) => [status, t(`status.${status}`)]))}
${select('locale', t('list.language'), supportedLocales.map((locale) => [locale, t(`languages.${locale}`)]))}
${select('channel', t('list.channel'), view.channels.map((channel) => [channel, channel]))}
${select('outcome', t('list.outcome'), ['may-fit', 'probably-not', 'cannot-tell', 'not-done'].map((outcome) => [outcome, t(`outcome.${outcome}`)]))}
<p><label for="filter-from">${esc(t('list.from'))}</label><input id="filter-from" name="from" type="date" value="${esc(filters.from ?? '')}"></p>
<p><label for="filter-to">${esc(t('list.to'))}</label><input id="filter-to" name="to" type="date" value="${esc(filters.to ?? '')}"></p>
<p><label for="filter-reference">${esc(t('list.reference'))}</label><input id="filter-reference" name="reference" type="search" placeholder="${esc(t('list.referencePlaceholder'))}" value="${esc(filters.reference ?? '')}" maxlength="16" autocapitalize="characters" spellcheck="false"></p>
<p class="actions"><button type="submit">${esc(t('list.apply'))}</button> <a href="/console">${esc(t('list.clear'))}</a></p>
</form>
</details>
<p class="export"><a class="button secondary" href="/console/export.csv${esc(filterQuery(filters))}" download>${esc(t('list.export'))}</a> <span class="hint">${esc(t('list.exportHint'))}</span></p>
<p id="live-status" class="live-status" role="status" aria-live="polite"></p>
${view.live ? `<p class="hint">${esc(t('list.live', { seconds: view.pollSeconds }))}</p>` : ''}
<div id="results"${view.live ? ` data-poll-url="/console/list-fragment${esc(filterQuery(filters))}" data-poll-ms="${view.pollSeconds * 1000}" data-newest="${view.items[0]?.createdAt.getTime() ?? 0}"` : ''}>
${resultsFragment(t, view)}
</div>`;
}

/** The counts per status (list items), also replaced by the page's script. */
export function statusCountItems(t: ConsoleT, counts: Record<string, number>): string {
  return referralStatuses
    .map((status) => `<li><a href="/console${esc(filterQuery({ status }))}"><span>${esc(t(`status.${status}`))}</span> <strong>${counts[status] ?? 0}</strong></a></li>`)
    .join('');
}

/** The part of the list the page's script replaces when new referrals arrive. */
export function resultsFragment(t: ConsoleT, view: Pick<ListView, 'items' | 'opened' | 'nextCursor' | 'filters'>): string {
  if (view.items.length === 0) return `<p class="empty">${esc(t('list.empty'))}</p>`;
  const rows = view.items
    .map((item) => {
      const opened = view.opened.get(item.id);
      const outcome = item.precheck?.outcome ?? 'not-done';
      return `<tr${opened ? '' : ' class="unread"'}>
<td><a href="/console/referrals/${esc(encodeURIComponent(item.id))}">${esc(item.reference)}</a></td>
<td>${esc(formatTime(item.createdAt))}</td>
<td><span class="status status-${esc(item.status)}">${esc(t(`status.${item.status}`))}</span></td>
<td>${esc(languageName(t, item.locale))}</td>
<td>${esc(item.channel)}</td>
<td>${esc(t(`outcome.${outcome}`))}</td>
<td>${opened ? esc(t('list.opened')) : `<span class="badge">${esc(t('list.unread'))}</span>`}</td>
</tr>`;
    })
    .join('\n');
  const older = view.nextCursor ? `<p><a href="/console${esc(filterQuery(view.filters, { cursor: view.nextCursor }))}">${esc(t('list.older'))}</a></p>` : '';
  return `<p class="shown">${esc(t('list.shown', { count: view.items.length }))}</p>
<div class="table-scroll">
<table class="referrals">
<caption class="visually-hidden">${esc(t('list.title'))}</caption>
<thead><tr>
<th scope="col">${esc(t('list.columns.reference'))}</th>
<th scope="col">${esc(t('list.columns.created'))}</th>
<th scope="col">${esc(t('list.columns.status'))}</th>
<th scope="col">${esc(t('list.columns.language'))}</th>
<th scope="col">${esc(t('list.columns.channel'))}</th>
<th scope="col">${esc(t('list.columns.outcome'))}</th>
<th scope="col">${esc(t('list.columns.opened'))}</th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
${older}`;
}

function languageName(t: ConsoleT, locale: string): string {
  return (supportedLocales as readonly string[]).includes(locale) ? t(`languages.${locale}`) : locale;
}

export interface DetailView {
  referral: ReferralSummary & { contentVersion?: string };
  /** Present only after "Show contact details". */
  contact?: Referral['contact'];
  opened?: ReferralOpened;
  notifications: NotificationDelivery[];
  history: Array<{ actor: string; action: string; detail?: string; at: Date }>;
  csrfToken: string;
  saved?: boolean;
}

export function detailMain(t: ConsoleT, view: DetailView): string {
  const { referral } = view;
  const base = `/console/referrals/${encodeURIComponent(referral.id)}`;
  const row = (label: string, value: string) => `<tr><th scope="row">${esc(label)}</th><td>${value}</td></tr>`;
  const list = (values: readonly string[]) => (values.length > 0 ? `<ul>${values.map((value) => `<li>${esc(value)}</li>`).join('')}</ul>` : esc(t('detail.none')));
  const precheck = referral.precheck
    ? `<table class="facts">
${row(t('list.outcome'), esc(t(`outcome.${referral.precheck.outcome}`)))}
${row(t('detail.reasons'), list(referral.precheck.reasons))}
${row(t('detail.flags'), list(referral.precheck.flags))}
${row(t('detail.criteriaVersion'), esc(referral.precheck.criteriaVersion))}
</table>
<h3>${esc(t('detail.answers'))}</h3>
<table class="answers"><thead><tr><th scope="col">${esc(t('detail.question'))}</th><th scope="col">${esc(t('detail.answer'))}</th></tr></thead>
<tbody>${Object.entries(referral.precheck.answers)
        .map(([question, answer]) => `<tr><td>${esc(question)}</td><td>${esc(answer)}</td></tr>`)
        .join('')}</tbody></table>`
    : `<p>${esc(t('detail.noPrecheck'))}</p>`;

  const contact = view.contact
    ? `<p class="message info" role="status">${esc(t('detail.contactShown'))}</p>
<table class="facts contact">
${row(t('detail.name'), esc(view.contact.name))}
${row(t('detail.phone'), `<a href="tel:${esc(view.contact.phone.replace(/[^\d+]/g, ''))}" aria-label="${esc(t('detail.call', { phone: view.contact.phone }))}">${esc(view.contact.phone)}</a>`)}
${row(t('detail.email'), view.contact.email ? `<a href="mailto:${esc(view.contact.email)}">${esc(view.contact.email)}</a>` : esc(t('detail.notRecorded')))}
${row(t('detail.bestTime'), esc(knownOr(t, 'bestTime', view.contact.bestTime)))}
${row(t('detail.preferredLanguage'), esc(knownOr(t, 'spokenLanguage', view.contact.preferredLanguage)))}
${row(t('detail.relationship'), esc(t(`relationship.${view.contact.relationship}`)))}
</table>`
    : `<p>${esc(t('detail.contactHidden'))}</p>
<form method="post" action="${esc(base)}/reveal">${csrfField(view.csrfToken)}<button type="submit">${esc(t('detail.showContact'))}</button></form>`;

  const statusOptions = referralStatuses
    .map((status) => `<option value="${status}"${referral.status === status ? ' selected' : ''}>${esc(t(`status.${status}`))}</option>`)
    .join('');
  const notifications =
    view.notifications.length === 0
      ? `<p>${esc(t('detail.noNotifications'))}</p>`
      : `<div class="table-scroll"><table><thead><tr><th scope="col">${esc(t('detail.sink'))}</th><th scope="col">${esc(t('detail.delivery'))}</th><th scope="col">${esc(t('detail.attempts'))}</th><th scope="col">${esc(t('detail.at'))}</th><th scope="col">${esc(t('detail.lastError'))}</th></tr></thead><tbody>${view.notifications
          .map(
            (delivery) =>
              `<tr><td>${esc(delivery.sink)}</td><td>${esc(delivery.state === 'delivered' ? t('detail.delivered') : t('detail.pending'))}</td><td>${delivery.attempts}</td><td>${esc(formatTime(delivery.deliveredAt ?? delivery.nextAttemptAt))}</td><td>${esc(delivery.lastError ?? '')}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  const history =
    view.history.length === 0
      ? `<p>${esc(t('detail.noHistory'))}</p>`
      : `<div class="table-scroll"><table><thead><tr><th scope="col">${esc(t('detail.at'))}</th><th scope="col">${esc(t('detail.who'))}</th><th scope="col">${esc(t('detail.what'))}</th></tr></thead><tbody>${view.history
          .map((entry) => `<tr><td>${esc(formatTime(entry.at))}</td><td>${esc(entry.actor)}</td><td>${esc(auditLabel(t, entry.action))}${entry.detail && entry.action !== 'referral.read' ? ` <span class="detail">(${esc(entry.detail)})</span>` : ''}</td></tr>`)
          .join('')}</tbody></table></div>`;

  return `<p><a href="/console">← ${esc(t('detail.back'))}</a></p>
<h1>${esc(t('detail.title', { reference: referral.reference }))}</h1>
${view.saved ? `<p class="message info" role="status">${esc(t('detail.saved'))}</p>` : ''}
<div class="columns">
<section aria-labelledby="summary-heading">
<h2 id="summary-heading">${esc(t('detail.summary'))}</h2>
<table class="facts">
${row(t('list.status'), `<span class="status status-${esc(referral.status)}">${esc(t(`status.${referral.status}`))}</span>`)}
${row(t('detail.created'), esc(formatTime(referral.createdAt)))}
${row(t('detail.updated'), esc(formatTime(referral.updatedAt)))}
${row(t('list.language'), esc(languageName(t, referral.locale)))}
${row(t('list.channel'), esc(referral.channel))}
${row(t('detail.firstOpened'), view.opened ? esc(t('detail.firstOpenedValue', { time: formatTime(view.opened.at), by: view.opened.by })) : esc(t('detail.notRecorded')))}
${row(t('detail.consentVersion'), esc(referral.consentVersion))}
${row(t('detail.contentVersion'), esc(referral.contentVersion ?? t('detail.notRecorded')))}
</table>
</section>
<section aria-labelledby="contact-heading">
<h2 id="contact-heading">${esc(t('detail.contact'))}</h2>
${contact}
</section>
</div>
<section aria-labelledby="change-heading">
<h2 id="change-heading">${esc(t('detail.change'))}</h2>
<form method="post" action="${esc(base)}/status" class="change">
${csrfField(view.csrfToken)}
<p><label for="status">${esc(t('list.status'))}</label> <select id="status" name="status">${statusOptions}</select></p>
<p><label for="note">${esc(t('detail.note'))}</label>
<textarea id="note" name="note" rows="4" maxlength="2000" aria-describedby="note-hint">${esc(referral.note ?? '')}</textarea>
<span id="note-hint" class="hint">${esc(t('detail.noteHint'))}</span></p>
<p><button type="submit">${esc(t('detail.save'))}</button></p>
</form>
</section>
<section aria-labelledby="precheck-heading">
<h2 id="precheck-heading">${esc(t('detail.precheck'))}</h2>
${precheck}
</section>
<section aria-labelledby="notifications-heading">
<h2 id="notifications-heading">${esc(t('detail.notifications'))}</h2>
${notifications}
</section>
<section aria-labelledby="history-heading">
<h2 id="history-heading">${esc(t('detail.history'))}</h2>
${history}
</section>
<p class="danger-zone"><a class="button danger" href="${esc(base)}/erase">${esc(t('detail.erase'))}</a></p>`;
}

/** A preset the bot stores as a word ('afternoon', 'cantonese') in the coordinator's language; free text as typed. */
function knownOr(t: ConsoleT, group: 'bestTime' | 'spokenLanguage', value: string): string {
  if (!/^[a-z-]+$/.test(value)) return value;
  const key = `${group}.${value}`;
  const label = t(key);
  return label === key ? value : label;
}

function auditLabel(t: ConsoleT, action: string): string {
  const key = `audit.${action.replace(/\./g, '_')}`;
  const label = t(key);
  return label === key ? action : label;
}

export function eraseMain(t: ConsoleT, referral: ReferralSummary, csrfToken: string): string {
  const base = `/console/referrals/${encodeURIComponent(referral.id)}`;
  return `<h1>${esc(t('erase.title', { reference: referral.reference }))}</h1>
<p class="message error">${esc(t('erase.warning'))}</p>
<form method="post" action="${esc(base)}/erase">${csrfField(csrfToken)}
<p><button type="submit" class="danger">${esc(t('erase.confirm'))}</button> <a href="${esc(base)}">${esc(t('erase.cancel'))}</a></p>
</form>`;
}

export function messageMain(t: ConsoleT, text: string): string {
  return `<h1>${esc(t('errors.title'))}</h1>
<p class="message error" role="alert">${esc(text)}</p>
<p><a href="/console">${esc(t('detail.back'))}</a></p>`;
}
