import { createHash, randomBytes } from 'node:crypto';
import type { i18n } from 'i18next';
import type { Request, Response, Server } from 'restify';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/load-config';
import { clientAddressKey, createFixedWindowRateLimiter } from '../http/rate-limit';
import { localeFromAcceptLanguage } from '../i18n/accept-language';
import { isLocale, type Locale } from '../i18n/locales';
import type { Logger } from '../logger';
import type { KeyValueStore } from '../storage/ports';
import { esc, renderPage } from './console-pages';
import { sendConsolePage } from './console-routes';
import { appendSetCookie, type ConsoleSessions, consoleLocaleOf, readCookie } from './console-sessions';
import { oidcCallbackPath, type OidcFailureReason, type OidcSignIn, OidcSignInError, type PendingSignIn } from './oidc-sign-in';

export const oidcSignInPath = '/console/sign-in/oidc';
/** Where the console's own sign-in page lives: every error page links back to it. */
const consoleSignInPath = '/console/sign-in';
const consoleHomePath = '/console';

/**
 * The browser's handle on its sign-in in progress. SameSite=Lax, not Strict: the provider sends the browser back
 * with a cross-site navigation, which carries Lax cookies and never Strict ones. Only the callback path gets it.
 */
export const pendingCookieName = 'tg_console_oidc';
const pendingCookiePath = '/console/oidc';
/** Time to get through the provider's pages (a password manager, a second factor). */
const pendingTtlMs = 10 * 60 * 1000;
const pendingKeyPrefix = 'console-oidc:';

interface StoredPendingSignIn extends PendingSignIn {
  locale: Locale;
}

export interface OidcRouteDependencies {
  signIn: OidcSignIn;
  sessions: ConsoleSessions;
  /** Holds each sign-in in progress (state, nonce, PKCE verifier) for ten minutes, shared by every instance. */
  keyValue: KeyValueStore;
  clock: Clock;
  logger: Logger;
  config: AppConfig;
  i18n: i18n;
}

/** The console sign-in page's button for single sign-on (ConsoleDependencies.signInAlternatives). */
export function oidcSignInAlternatives(translator: i18n): (locale: Locale) => Array<{ href: string; label: string }> {
  return (locale) => [{ href: `${oidcSignInPath}?lang=${encodeURIComponent(locale)}`, label: translator.getFixedT(locale, 'console-oidc')('signIn.button') }];
}

/**
 * GET /console/sign-in/oidc → the provider's sign-in page; GET /console/oidc/callback → verified, a console
 * session starts. Every failure is a page in the coordinator's language with a way back, and a log line
 * with the reason and the library's error code (never a claim value).
 */
export function registerOidcRoutes(server: Server, deps: OidcRouteDependencies): void {
  const { signIn, sessions, keyValue, clock, logger, config, i18n: translator } = deps;
  const { issuer, allowedGroups, allowedEmailDomains } = signIn.settings;
  if (allowedGroups.length === 0 && allowedEmailDomains.length === 0) {
    logger.warn('console single sign-on: ANY person the provider authenticates may sign in (set OIDC_ALLOWED_GROUPS or OIDC_ALLOWED_EMAIL_DOMAINS, or restrict the application at the provider)', { issuer: issuer.href });
  } else {
    logger.info('console single sign-on', { issuer: issuer.href, allowedGroups: allowedGroups.length, allowedEmailDomains: allowedEmailDomains.length });
  }
  // Each start writes a row that lives ten minutes: a client starting sign-ins in a loop is stopped here.
  const starts = createFixedWindowRateLimiter({ limit: 20, windowMs: 10 * 60 * 1000 });

  const fail = (res: Response, locale: Locale, reason: OidcFailureReason, detail: string): void => {
    logger.warn('console OIDC sign-in failed', { reason, detail });
    const status = { unavailable: 503, expired: 400, rejected: 400, cancelled: 400, not_allowed: 403 }[reason];
    sendConsolePage(res, status, errorPage(translator, config, locale, reason));
  };

  server.get(oidcSignInPath, async (req: Request, res: Response) => {
    const requested = typeof req.query?.lang === 'string' ? req.query.lang : undefined;
    const locale = isLocale(requested) ? requested : consoleLocaleOf(req, localeFromAcceptLanguage);
    if (!starts.hit(clientAddressKey(req, config.env.TRUST_PROXY), clock.now()).allowed) {
      res.setHeader('Retry-After', '600');
      sendConsolePage(res, 429, errorPage(translator, config, locale, 'unavailable'));
      return;
    }
    try {
      const { authorizationUrl, pending } = await signIn.begin();
      const handle = randomBytes(32).toString('base64url');
      const stored: StoredPendingSignIn = { ...pending, locale };
      await keyValue.set(pendingKey(handle), JSON.stringify(stored), new Date(clock.now().getTime() + pendingTtlMs));
      appendSetCookie(res, pendingCookie(req, sessions, handle, pendingTtlMs / 1000));
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, authorizationUrl.href, () => undefined);
    } catch (error) {
      if (error instanceof OidcSignInError) fail(res, locale, error.reason, error.detail);
      else fail(res, locale, 'unavailable', error instanceof Error ? error.name : 'unknown');
    }
  });

  server.get(oidcCallbackPath, async (req: Request, res: Response) => {
    const handle = readCookie(req, pendingCookieName);
    // Whatever happens next, this sign-in attempt is used up: the browser's handle goes, and so does the stored state.
    appendSetCookie(res, pendingCookie(req, sessions, '', 0));
    const pending = handle && /^[\w-]{43}$/.test(handle) ? await takePending(keyValue, handle, clock) : undefined;
    const locale = pending?.locale ?? consoleLocaleOf(req, localeFromAcceptLanguage);
    if (!pending) {
      fail(res, locale, 'expired', handle ? 'unknown or expired handle' : 'no handle cookie');
      return;
    }
    try {
      const identity = await signIn.complete(new URL(req.url ?? '/', 'http://callback.invalid'), pending);
      await sessions.start(req, res, identity);
      logger.info('console sign-in', { method: 'oidc' });
      // The console's cookie is SameSite=Strict, and the browser arrived here from the provider's site: a redirect
      // would still count as cross-site and go without the new cookie. A page of our own that moves on is same-site.
      sendConsolePage(res, 200, continuePage(translator, config, locale));
    } catch (error) {
      if (error instanceof OidcSignInError) fail(res, locale, error.reason, error.detail);
      else throw error;
    }
  });
}

function pendingKey(handle: string): string {
  // Stored under a hash: the database alone never holds what the browser must present.
  return `${pendingKeyPrefix}${createHash('sha256').update(handle, 'utf8').digest('base64url')}`;
}

async function takePending(keyValue: KeyValueStore, handle: string, clock: Clock): Promise<StoredPendingSignIn | undefined> {
  const key = pendingKey(handle);
  const raw = await keyValue.get(key, clock.now());
  if (raw === undefined) return undefined;
  await keyValue.delete(key);
  const parsed = JSON.parse(raw) as Partial<StoredPendingSignIn>;
  if (typeof parsed.state !== 'string' || typeof parsed.nonce !== 'string' || typeof parsed.codeVerifier !== 'string') return undefined;
  return { state: parsed.state, nonce: parsed.nonce, codeVerifier: parsed.codeVerifier, locale: isLocale(parsed.locale) ? parsed.locale : 'en' };
}

function pendingCookie(req: Request, sessions: Pick<ConsoleSessions, 'overTls'>, value: string, maxAgeSeconds: number): string {
  return [`${pendingCookieName}=${value}`, `Path=${pendingCookiePath}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(sessions.overTls(req) ? ['Secure'] : [])].join('; ');
}

/** The coordinators' console's frame around a sign-in page (its stylesheet, language links, no navigation). */
function renderSignInPage(translator: i18n, config: AppConfig, locale: Locale, title: string, main: string): string {
  return renderPage(
    { locale, t: translator.getFixedT(locale, 'console'), title, siteName: config.site.siteName[locale], currentPath: consoleSignInPath },
    main,
  );
}

function errorPage(translator: i18n, config: AppConfig, locale: Locale, reason: OidcFailureReason): string {
  const t = translator.getFixedT(locale, 'console-oidc');
  // Start again where that can help; where it cannot (provider down, not allowed), back to the sign-in page and its other ways in.
  const link = reason === 'unavailable' || reason === 'not_allowed' ? { href: consoleSignInPath, text: t('error.backToSignIn') } : { href: `${oidcSignInPath}?lang=${encodeURIComponent(locale)}`, text: t('error.startAgain') };
  const main = `<h1>${esc(t('error.title'))}</h1>
<p class="message error" role="alert">${esc(t(`error.${reason}`))}</p>
<p><a class="button" href="${esc(link.href)}">${esc(link.text)}</a></p>`;
  return renderSignInPage(translator, config, locale, t('error.title'), main);
}

function continuePage(translator: i18n, config: AppConfig, locale: Locale): string {
  const t = translator.getFixedT(locale, 'console-oidc');
  const main = `<h1>${esc(t('signedIn.title'))}</h1>
<p class="message" role="status">${esc(t('signedIn.body'))}</p>
<p><a class="button" href="${consoleHomePath}">${esc(t('signedIn.link'))}</a></p>`;
  // A meta refresh is no script (the console's CSP allows none inline) and is a same-site navigation.
  return renderSignInPage(translator, config, locale, t('signedIn.title'), main).replace('</head>', `<meta http-equiv="refresh" content="0;url=${consoleHomePath}">\n</head>`);
}
