import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { i18n } from 'i18next';
import type { Request, Response, Server } from 'restify';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/load-config';
import { referralCsv } from '../handoff/referral-csv';
import { maxExportRows } from '../http/coordinator-api';
import { clientAddressKey, createFixedWindowRateLimiter } from '../http/rate-limit';
import { localeFromAcceptLanguage } from '../i18n/accept-language';
import { isLocale, type Locale, supportedLocales } from '../i18n/locales';
import type { Logger } from '../logger';
import { parseReferenceCode } from '../security/reference-code';
import { type PrecheckOutcome, type Referral, type ReferralListQuery, type ReferralStatus, type Stores, referralStatuses } from '../storage/ports';
import { InvalidCursorError } from '../storage/referral-cursor';
import { loadFunnelReport, parseFunnelQuery } from '../funnel/funnel-report';
import { funnelTimeZone } from '../funnel/funnel-time-zone';
import { signInWithPassword } from './console-accounts';
import {
  type ConsoleT,
  detailMain,
  eraseMain,
  type ListFilters,
  listMain,
  messageMain,
  renderPage,
  resultsFragment,
  signInMain,
  type SignInView,
  statusCountItems,
} from './console-pages';
import {
  appendSetCookie,
  type ConsoleSession,
  type ConsoleSessions,
  consoleLocaleOf,
  createConsoleSessions,
  localeCookie,
  readCookie,
  sameToken,
  sessionCookieName,
  startConsoleSession,
} from './console-sessions';
import { type FunnelT, renderFunnelPage } from './funnel-page';

export interface ConsoleDependencies {
  stores: Pick<Stores, 'referrals' | 'audit' | 'console' | 'funnel'>;
  config: AppConfig;
  logger: Logger;
  clock: Clock;
  i18n: i18n;
  /** Other ways to sign in (single sign-on), shown as buttons on the sign-in page. */
  signInAlternatives?: (locale: Locale) => Array<{ href: string; label: string }>;
  /** Sign-in attempts allowed per client address and window; default 50 in 15 minutes. */
  signInLimit?: { limit: number; windowMs: number };
}

export interface ConsoleRoutes {
  /** For other sign-in routes (OIDC): they start sessions through this. */
  readonly sessions: ConsoleSessions;
}

const pageSize = 50;
/** Sign-in attempts per client address in 15 minutes (right or wrong). */
export const signInAttemptsPerWindow = 50;
const exportPageSize = 100;
const idPattern = /^[\w-]{1,64}$/;
const outcomes = ['may-fit', 'probably-not', 'cannot-tell', 'not-done'] as const;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Pages run no inline script or style, load nothing from elsewhere, post forms only to this origin and cannot
 * be framed (clickjacking a "Show contact details" button).
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Every console page: no caching (they show personal data), the console's CSP, no framing. */
export function sendConsolePage(res: Response, status: number, html: string): void {
  res.setHeader('Content-Security-Policy', consoleContentSecurityPolicy);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cache-Control', 'no-store');
  res.sendRaw(status, html, { 'Content-Type': 'text/html; charset=utf-8' });
}

function redirect(res: Response, location: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Location', location);
  res.sendRaw(303, '');
}

function field(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The coordinators' console under /console: sign-in with a local account, the referral list (filters, unread
 * marker, counts, polling for new referrals), a referral's page (pre-check, notifications, history; contact
 * details only after an audited "show"), status and note, erasure, CSV export. Every POST needs the session's
 * CSRF token and a same-origin request; every page is server-rendered under a strict CSP.
 */
export function registerConsoleRoutes(server: Server, deps: ConsoleDependencies): ConsoleRoutes {
  const { stores, config, logger, clock, i18n: translator } = deps;
  const sessions = createConsoleSessions({ store: stores.console, config, clock });
  const assets = readConsoleAssets(config.rootDir);
  const pollSeconds = config.env.CONSOLE_POLL_SECONDS;
  const publicOrigin = new URL(config.env.PUBLIC_BASE_URL).origin;
  /**
   * The lockout guards one name; this guards against trying one password on many names (per client address, this
   * instance). A ward's shared address still has room for a whole team signing in.
   */
  const signInAttempts = createFixedWindowRateLimiter(deps.signInLimit ?? { limit: signInAttemptsPerWindow, windowMs: 15 * 60 * 1000 });

  const localeOf = (req: Request): Locale => consoleLocaleOf(req, localeFromAcceptLanguage);
  const tFor = (locale: Locale): ConsoleT => translator.getFixedT(locale, 'console');
  /** Where the language links come back to: a POST's page (a revealed referral, a refusal) is its referral's GET page. */
  const pathOf = (req: Request): string => {
    const url = req.url ?? '/console';
    return req.method === 'GET' ? url : url.replace(/\?.*$/, '').replace(/\/(reveal|status|erase)$/, '');
  };

  const page = (req: Request, res: Response, status: number, title: string, main: string, session?: ConsoleSession, activeNav?: 'referrals' | 'funnel') => {
    const locale = localeOf(req);
    const html = renderPage(
      {
        locale,
        t: tFor(locale),
        title,
        siteName: config.site.siteName[locale],
        currentPath: pathOf(req),
        ...(session ? { signedIn: { displayName: session.identity.displayName, csrfToken: session.csrfToken } } : {}),
        ...(activeNav ? { activeNav } : {}),
      },
      main,
    );
    sendConsolePage(res, status, html);
  };

  /**
   * Whether a state-changing request comes from a console page of this origin. Fetch Metadata first: browsers
   * that send it say exactly that (and under the console's no-referrer policy Chromium's Origin is "null").
   * Without it, Origin must be this site's; a client sending neither (curl, old browsers) still needs the token.
   */
  const sameOrigin = (req: Request): boolean => {
    const site = req.header('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin';
    const origin = req.header('origin');
    if (origin === undefined) return true;
    const host = req.header('host');
    const ownOrigin = host ? `${sessions.overTls(req) ? 'https' : 'http'}://${host}` : undefined;
    return origin === publicOrigin || origin === ownOrigin;
  };

  /** The signed-in session, or undefined after sending the browser to the sign-in page. */
  const requireSession = async (req: Request, res: Response, options?: { touch?: boolean }): Promise<ConsoleSession | undefined> => {
    const session = await sessions.current(req, options);
    if (session) return session;
    const hadCookie = readCookie(req, sessionCookieName) !== undefined;
    redirect(res, hadCookie ? '/console/sign-in?expired=1' : '/console/sign-in');
    return undefined;
  };

  /** A POST that changes something: signed in, same origin, and the session's CSRF token in the form. */
  const requireChange = async (req: Request, res: Response): Promise<ConsoleSession | undefined> => {
    const session = await requireSession(req, res);
    if (!session) return undefined;
    if (sameOrigin(req) && sameToken(session.csrfToken, field(req.body, '_csrf'))) return session;
    logger.warn('console: change refused (no valid CSRF token or not same-origin)', { method: req.method, route: routeOf(req) });
    const t = tFor(localeOf(req));
    page(req, res, 403, t('errors.title'), messageMain(t, t('errors.forbidden')), session);
    return undefined;
  };

  const audit = (session: ConsoleSession, action: 'referral.read' | 'referral.update' | 'referral.delete' | 'referral.export', referralId?: string, detail?: string) =>
    stores.audit.record({ actor: session.actor, action, at: clock.now(), ...(referralId ? { referralId } : {}), ...(detail ? { detail } : {}) });

  const notFound = (req: Request, res: Response, session: ConsoleSession) => {
    const t = tFor(localeOf(req));
    page(req, res, 404, t('errors.title'), messageMain(t, t('errors.notFound')), session);
  };

  const loadReferral = async (req: Request): Promise<Referral | undefined> => {
    const id: unknown = (req.params as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || !idPattern.test(id)) return undefined;
    return stores.referrals.get(id);
  };

  // --- sign-in and out, language -------------------------------------------------------------------------

  const signInPage = (req: Request, res: Response, status: number, view: SignInView) => {
    const locale = localeOf(req);
    const t = tFor(locale);
    const alternatives = deps.signInAlternatives?.(locale) ?? [];
    page(req, res, status, t('signIn.title'), signInMain(t, { ...view, alternatives }));
  };

  server.get('/console/sign-in', async (req: Request, res: Response) => {
    if (await sessions.current(req)) return redirect(res, '/console');
    const t = tFor(localeOf(req));
    const query = (req.query ?? {}) as Record<string, unknown>;
    const message = query.expired ? t('signIn.expired') : query.signedOut ? t('signIn.signedOut') : undefined;
    signInPage(req, res, 200, message ? { message: { kind: 'info', text: message } } : {});
  });

  server.post('/console/sign-in', async (req: Request, res: Response) => {
    const t = tFor(localeOf(req));
    if (!sameOrigin(req)) {
      logger.warn('console: sign-in refused (not same-origin)');
      page(req, res, 403, t('errors.title'), messageMain(t, t('errors.forbidden')));
      return;
    }
    const name = field(req.body, 'name') ?? '';
    const attempt = signInAttempts.hit(clientAddressKey(req, config.env.TRUST_PROXY), clock.now());
    if (!attempt.allowed) {
      logger.warn('console sign-in refused: too many attempts from one address');
      res.setHeader('Retry-After', String(attempt.retryAfterSeconds));
      const until = new Date(clock.now().getTime() + attempt.retryAfterSeconds * 1000);
      signInPage(req, res, 429, { name: name.slice(0, 64), message: { kind: 'error', text: t('signIn.tooMany', { time: `${until.toISOString().slice(11, 16)} UTC` }) } });
      return;
    }
    const result = await signInWithPassword(stores.console, clock, name, field(req.body, 'password') ?? '');
    if (result.ok) {
      logger.info('console sign-in', { kind: 'local', account: result.account.name });
      await startConsoleSession(sessions, req, res, { kind: 'local', subject: result.account.name, displayName: result.account.displayName });
      return;
    }
    // The typed name stays out of the log: people type passwords into the name field.
    logger.warn('console sign-in failed', { reason: result.reason });
    if (result.reason === 'locked') {
      const until = result.lockedUntil ?? clock.now();
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 1000))));
      signInPage(req, res, 429, { name: name.slice(0, 64), message: { kind: 'error', text: t('signIn.locked', { time: `${until.toISOString().slice(11, 16)} UTC` }) } });
      return;
    }
    signInPage(req, res, 401, { name: name.slice(0, 64), message: { kind: 'error', text: t('signIn.invalid') } });
  });

  server.post('/console/sign-out', async (req: Request, res: Response) => {
    const session = await requireChange(req, res);
    if (!session) return;
    await sessions.end(req, res);
    logger.info('console sign-out', { kind: session.identity.kind });
    redirect(res, '/console/sign-in?signedOut=1');
  });

  server.get('/console/language', async (req: Request, res: Response) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    if (isLocale(query.lang)) appendSetCookie(res, localeCookie(req, sessions, query.lang));
    const back = typeof query.back === 'string' ? query.back : '';
    // Only a console path: never an open redirect to another site (//evil.example, /\evil.example).
    const safe = back.length <= 2000 && /^\/console(?:$|[/?])/.test(back) && !back.includes('//') && !back.includes('\\');
    redirect(res, safe ? back : '/console');
  });

  // --- the referral list ---------------------------------------------------------------------------------

  const readFilters = (req: Request): { filters: ListFilters; query: Omit<ReferralListQuery, 'limit'> } => {
    const raw = (req.query ?? {}) as Record<string, unknown>;
    const text = (name: string) => {
      const value = raw[name];
      return typeof value === 'string' ? value.trim() : '';
    };
    const filters: ListFilters = {};
    const query: Omit<ReferralListQuery, 'limit'> = {};
    const status = text('status');
    if ((referralStatuses as readonly string[]).includes(status)) query.status = filters.status = status as ReferralStatus;
    const locale = text('locale');
    if ((supportedLocales as readonly string[]).includes(locale)) query.locale = filters.locale = locale;
    const channel = text('channel');
    if (/^[\w.-]{1,64}$/.test(channel)) query.channel = filters.channel = channel;
    const outcome = text('outcome');
    if ((outcomes as readonly string[]).includes(outcome)) query.precheckOutcome = filters.outcome = outcome as PrecheckOutcome | 'not-done';
    const from = dayStart(text('from'));
    if (from) {
      query.since = from;
      filters.from = text('from');
    }
    const to = dayStart(text('to'));
    if (to) {
      query.until = new Date(to.getTime() + dayMs);
      filters.to = text('to');
    }
    const reference = text('reference').slice(0, 16);
    if (reference) {
      filters.reference = reference;
      query.reference = parseReferenceCode(reference) ?? reference;
    }
    const cursor = text('cursor');
    if (cursor && cursor.length <= 512) query.cursor = cursor;
    return { filters, query };
  };

  const listPage = async (query: Omit<ReferralListQuery, 'limit'>) => {
    try {
      return await stores.referrals.list({ ...query, limit: pageSize });
    } catch (error) {
      // A stale or edited cursor: show the newest page instead.
      if (error instanceof InvalidCursorError) return stores.referrals.list({ ...query, cursor: undefined, limit: pageSize });
      throw error;
    }
  };

  server.get('/console', async (req: Request, res: Response) => {
    const session = await requireSession(req, res);
    if (!session) return;
    const t = tFor(localeOf(req));
    const { filters, query } = readFilters(req);
    const [result, counts, channels] = await Promise.all([listPage(query), stores.console.countReferralsByStatus(), stores.console.referralChannels()]);
    const opened = await stores.console.referralsOpened(result.items.map((item) => item.id));
    const erased = Boolean((req.query as Record<string, unknown> | undefined)?.erased);
    const main = listMain(t, {
      filters,
      counts,
      channels,
      items: result.items,
      opened,
      ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
      live: query.cursor === undefined,
      pollSeconds,
      ...(erased ? { notice: t('list.erased') } : {}),
    });
    page(req, res, 200, t('list.title'), main, session, 'referrals');
  });

  // Polled by the list page every CONSOLE_POLL_SECONDS. It does not refresh the idle timer: an open list on an
  // unattended tablet still signs out.
  server.get('/console/list-fragment', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const session = await sessions.current(req, { touch: false });
    if (!session) {
      res.send(401, { signIn: '/console/sign-in?expired=1' });
      return;
    }
    const t = tFor(localeOf(req));
    const { filters, query } = readFilters(req);
    delete query.cursor;
    const [result, counts] = await Promise.all([listPage(query), stores.console.countReferralsByStatus()]);
    const opened = await stores.console.referralsOpened(result.items.map((item) => item.id));
    res.send(200, {
      html: resultsFragment(t, { items: result.items, opened, filters, ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}) }),
      counts: statusCountItems(t, counts),
      newest: result.items[0]?.createdAt.getTime() ?? 0,
      announcement: t('list.newArrived', { count: result.items.length }),
    });
  });

  server.get('/console/export.csv', async (req: Request, res: Response) => {
    const session = await requireSession(req, res);
    if (!session) return;
    const { filters, query } = readFilters(req);
    delete query.cursor;
    const rows: Referral[] = [];
    let cursor: string | undefined;
    do {
      const result = await stores.referrals.list({ ...query, limit: exportPageSize, ...(cursor ? { cursor } : {}) });
      for (const item of result.items) {
        const full = await stores.referrals.get(item.id);
        if (full) rows.push(full);
      }
      cursor = result.nextCursor;
    } while (cursor && rows.length < maxExportRows);
    const exported = rows.slice(0, maxExportRows);
    const described = Object.entries(filters)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    await audit(session, 'referral.export', undefined, `rows=${exported.length} console${described ? ` ${described}` : ''}`);
    res.sendRaw(200, referralCsv(exported), {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="referrals-${clock.now().toISOString().slice(0, 10)}.csv"`,
      'Cache-Control': 'no-store',
    });
  });

  // --- one referral --------------------------------------------------------------------------------------

  const detailPage = async (req: Request, res: Response, session: ConsoleSession, referral: Referral, options: { reveal?: boolean; saved?: boolean } = {}) => {
    const t = tFor(localeOf(req));
    await stores.console.markReferralOpened(referral.id, session.actor, clock.now());
    const [opened, notifications, history] = await Promise.all([
      stores.console.referralsOpened([referral.id]),
      stores.console.notificationsOf(referral.id),
      stores.console.auditOf(referral.id),
    ]);
    const { contact, ...summary } = referral;
    const main = detailMain(t, {
      referral: summary,
      ...(options.reveal ? { contact } : {}),
      ...(opened.get(referral.id) ? { opened: opened.get(referral.id) } : {}),
      notifications,
      history,
      csrfToken: session.csrfToken,
      ...(options.saved ? { saved: true } : {}),
    });
    page(req, res, 200, t('detail.title', { reference: referral.reference }), main, session, 'referrals');
  };

  server.get('/console/referrals/:id', async (req: Request, res: Response) => {
    const session = await requireSession(req, res);
    if (!session) return;
    const referral = await loadReferral(req);
    if (!referral) return notFound(req, res, session);
    await detailPage(req, res, session, referral, { saved: Boolean((req.query as Record<string, unknown> | undefined)?.saved) });
  });

  server.post('/console/referrals/:id/reveal', async (req: Request, res: Response) => {
    const session = await requireChange(req, res);
    if (!session) return;
    const referral = await loadReferral(req);
    if (!referral) return notFound(req, res, session);
    // Written before the details leave the server: no audit row, no details.
    await audit(session, 'referral.read', referral.id, `contact details shown (${session.identity.displayName})`);
    await detailPage(req, res, session, referral, { reveal: true });
  });

  server.post('/console/referrals/:id/status', async (req: Request, res: Response) => {
    const session = await requireChange(req, res);
    if (!session) return;
    const referral = await loadReferral(req);
    if (!referral) return notFound(req, res, session);
    const status = field(req.body, 'status');
    const note = field(req.body, 'note');
    if ((status !== undefined && !(referralStatuses as readonly string[]).includes(status)) || (note !== undefined && note.length > 2000)) {
      const t = tFor(localeOf(req));
      page(req, res, 400, t('errors.title'), messageMain(t, t('errors.invalid')), session);
      return;
    }
    const noteChanged = note !== undefined && note !== (referral.note ?? '');
    const statusChanged = status !== undefined && status !== referral.status;
    if (noteChanged || statusChanged) {
      await stores.referrals.update(referral.id, { ...(statusChanged ? { status: status as ReferralStatus } : {}), ...(noteChanged ? { note } : {}) }, clock.now());
      // The note's text stays out of the audit log: it may hold what a coordinator wrote about the person.
      await audit(session, 'referral.update', referral.id, [statusChanged ? `status=${status}` : undefined, noteChanged ? 'note changed' : undefined].filter(Boolean).join('; '));
    }
    redirect(res, `/console/referrals/${encodeURIComponent(referral.id)}?saved=1`);
  });

  server.get('/console/referrals/:id/erase', async (req: Request, res: Response) => {
    const session = await requireSession(req, res);
    if (!session) return;
    const referral = await loadReferral(req);
    if (!referral) return notFound(req, res, session);
    const t = tFor(localeOf(req));
    page(req, res, 200, t('erase.title', { reference: referral.reference }), eraseMain(t, referral, session.csrfToken), session, 'referrals');
  });

  server.post('/console/referrals/:id/erase', async (req: Request, res: Response) => {
    const session = await requireChange(req, res);
    if (!session) return;
    const referral = await loadReferral(req);
    if (!referral) return notFound(req, res, session);
    await stores.referrals.delete(referral.id);
    await audit(session, 'referral.delete', referral.id, 'console');
    redirect(res, '/console?erased=1');
  });

  // --- the funnel (its body comes from src/console/funnel-page.ts) ---------------------------------------

  server.get('/console/funnel', async (req: Request, res: Response) => {
    const session = await requireSession(req, res);
    if (!session) return;
    const locale = localeOf(req);
    const timeZone = funnelTimeZone(config.site);
    const report = await loadFunnelReport(stores.funnel, parseFunnelQuery((req.query ?? {}) as Record<string, unknown>, clock.now(), timeZone), { timeZone });
    const t = translator.getFixedT(locale, 'funnel') as unknown as FunnelT;
    const body = renderFunnelPage({ locale, t, report, questionRetentionDays: config.env.CHAT_STATE_RETENTION_DAYS, timeZone });
    page(req, res, 200, t('title'), body, session, 'funnel');
  });

  // --- assets ---------------------------------------------------------------------------------------------

  server.get('/console/assets/:file', async (req: Request, res: Response) => {
    const file: unknown = (req.params as { file?: unknown } | undefined)?.file;
    const asset = typeof file === 'string' ? assets.get(file) : undefined;
    if (!asset) {
      res.send(404, { error: { code: 'not_found' } });
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendRaw(200, asset.body, { 'Content-Type': asset.contentType });
  });

  const consoleUrl = `${config.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/console`;
  void stores.console.countAccounts().then(
    (accounts) => {
      if (accounts > 0) logger.info(`coordinators' console at ${consoleUrl}`, { accounts });
      else logger.info(`coordinators' console at ${consoleUrl}: no account yet; create the first with: npm run coordinator -- add NAME`);
    },
    (error: unknown) => logger.warn('could not count console accounts', { error: error instanceof Error ? error.name : 'unknown' }),
  );

  return { sessions };
}

function routeOf(req: Request): string {
  const route = req.getRoute()?.path;
  return typeof route === 'string' ? route : 'unmatched';
}

/** `YYYY-MM-DD` as the start of that day in UTC, or undefined. */
function dayStart(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const at = new Date(`${text}T00:00:00.000Z`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== text ? undefined : at;
}

function readConsoleAssets(rootDir: string): Map<string, { body: Buffer; contentType: string }> {
  const folder = path.join(rootDir, 'public', 'console');
  return new Map([
    ['console.css', { body: readFileSync(path.join(folder, 'console.css')), contentType: 'text/css; charset=utf-8' }],
    ['console.js', { body: readFileSync(path.join(folder, 'console.js')), contentType: 'text/javascript; charset=utf-8' }],
  ]);
}
