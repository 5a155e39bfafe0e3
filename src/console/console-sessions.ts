import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'restify';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/load-config';
import { isLocale, type Locale } from '../i18n/locales';
import type { ConsoleIdentityKind, ConsoleStore } from '../storage/console-store';

/** Who signed in: a local account or a user of the hospital's identity provider. */
export interface ConsoleIdentity {
  kind: ConsoleIdentityKind;
  /** Account name (local) or the provider's `sub` (oidc). */
  subject: string;
  /** Shown in the console and written into the audit log with the subject. */
  displayName: string;
}

export interface ConsoleSession {
  identity: ConsoleIdentity;
  /** Goes into every form as `_csrf` and must come back with every POST. */
  csrfToken: string;
  /** The audit log's actor: `local:NAME` or `oidc:SUB`. */
  actor: string;
}

export interface ConsoleSessions {
  /**
   * Starts a session for a signed-in identity and sets the session cookie on `res` (a session the request
   * already had ends: no fixation). The caller then redirects, normally to `/console`.
   */
  start(req: Request, res: Response, identity: ConsoleIdentity): Promise<ConsoleSession>;
  /**
   * The request's live session, or undefined (none, unknown, idle too long, too old). Refreshes its idle timer
   * unless `touch` is false (the list's background polling must not keep an unattended console signed in).
   */
  current(req: Request, options?: { touch?: boolean }): Promise<ConsoleSession | undefined>;
  /** Ends the request's session and clears the cookie. */
  end(req: Request, res: Response): Promise<void>;
  /** Whether cookies set for this request get `Secure`. */
  overTls(req: Request): boolean;
}

export interface ConsoleSessionDependencies {
  store: ConsoleStore;
  config: AppConfig;
  clock: Clock;
}

export const sessionCookieName = 'tg_console_session';
export const localeCookieName = 'tg_console_lang';
/** Cookies stay on the console's paths, so the chat page and the bot's endpoints never receive them. */
export const consoleCookiePath = '/console';
/** However active, a session ends after this long (a forgotten tablet in a ward). */
export const maxSessionMs = 12 * 60 * 60 * 1000;
/** The idle timer is written at most this often, not on every request. */
const touchEveryMs = 30 * 1000;

export function createConsoleSessions({ store, config, clock }: ConsoleSessionDependencies): ConsoleSessions {
  const idleMs = config.env.CONSOLE_IDLE_MINUTES * 60 * 1000;
  const publicBaseIsHttps = config.env.PUBLIC_BASE_URL.startsWith('https:');

  const overTls = (req: Request): boolean => {
    if (publicBaseIsHttps || req.isSecure()) return true;
    // X-Forwarded-Proto is anyone's to send unless a proxy we trust sets it.
    return config.env.TRUST_PROXY && req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
  };

  const sessionCookie = (req: Request, value: string, maxAgeSeconds?: number): string =>
    [
      `${sessionCookieName}=${value}`,
      `Path=${consoleCookiePath}`,
      'HttpOnly',
      'SameSite=Strict',
      ...(overTls(req) ? ['Secure'] : []),
      ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []),
    ].join('; ');

  const live = async (req: Request) => {
    const id = readCookie(req, sessionCookieName);
    if (!id || !/^[\w-]{43}$/.test(id)) return undefined;
    const idHash = hashSessionId(id);
    const row = await store.getSession(idHash);
    if (!row) return undefined;
    const now = clock.now().getTime();
    if (now - row.lastSeenAt.getTime() > idleMs || now - row.createdAt.getTime() > maxSessionMs) {
      await store.deleteSession(idHash);
      return undefined;
    }
    return { id, idHash, row, now };
  };

  return {
    overTls,
    async start(req, res, identity) {
      const previous = readCookie(req, sessionCookieName);
      if (previous && /^[\w-]{43}$/.test(previous)) await store.deleteSession(hashSessionId(previous));
      const now = clock.now();
      // Sessions idle past the timeout are useless; clearing them here keeps the table small without a sweeper.
      await store.purgeSessionsIdleSince(new Date(now.getTime() - idleMs));
      const id = randomBytes(32).toString('base64url');
      await store.createSession({ idHash: hashSessionId(id), ...identity, createdAt: now, lastSeenAt: now });
      appendSetCookie(res, sessionCookie(req, id));
      return sessionOf(id, identity);
    },
    async current(req, options = {}) {
      const found = await live(req);
      if (!found) return undefined;
      if (options.touch !== false && found.now - found.row.lastSeenAt.getTime() >= touchEveryMs) await store.touchSession(found.idHash, new Date(found.now));
      return sessionOf(found.id, { kind: found.row.kind, subject: found.row.subject, displayName: found.row.displayName });
    },
    async end(req, res) {
      const id = readCookie(req, sessionCookieName);
      if (id && /^[\w-]{43}$/.test(id)) await store.deleteSession(hashSessionId(id));
      appendSetCookie(res, sessionCookie(req, '', 0));
    },
  };
}

/**
 * Convenience for sign-in routes (local and OIDC): start the session, then send the browser to the console.
 * Use 303 so the browser follows with a GET whatever the sign-in request was.
 */
export async function startConsoleSession(sessions: ConsoleSessions, req: Request, res: Response, identity: ConsoleIdentity, redirectTo = '/console'): Promise<ConsoleSession> {
  const session = await sessions.start(req, res, identity);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Location', redirectTo);
  res.sendRaw(303, '');
  return session;
}

export function actorOf(identity: ConsoleIdentity): string {
  return `${identity.kind}:${identity.subject}`;
}

function sessionOf(id: string, identity: ConsoleIdentity): ConsoleSession {
  return { identity, csrfToken: csrfTokenFor(id), actor: actorOf(identity) };
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** Derived from the secret session id, so it needs no storage and dies with the session. */
function csrfTokenFor(id: string): string {
  return createHash('sha256').update(`csrf\u0000${id}`, 'utf8').digest('base64url');
}

export function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The console's language: the coordinator's choice (a cookie), else the browser's. */
export function consoleLocaleOf(req: Request, fallback: (header: string | undefined) => Locale | undefined): Locale {
  const chosen = readCookie(req, localeCookieName);
  if (isLocale(chosen)) return chosen;
  return fallback(req.header('accept-language')) ?? 'en';
}

export function localeCookie(req: Request, sessions: Pick<ConsoleSessions, 'overTls'>, locale: Locale): string {
  return [`${localeCookieName}=${locale}`, `Path=${consoleCookiePath}`, 'HttpOnly', 'SameSite=Strict', 'Max-Age=31536000', ...(sessions.overTls(req) ? ['Secure'] : [])].join('; ');
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function appendSetCookie(res: Response, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
