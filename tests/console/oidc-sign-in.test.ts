import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { esc } from '../../src/console/console-pages';
import { registerConsoleRoutes } from '../../src/console/console-routes';
import { oidcSignInAlternatives, oidcSignInPath, pendingCookieName, registerOidcRoutes } from '../../src/console/oidc-routes';
import { allowListRefusal, createOidcSignIn, oidcSettingsFrom } from '../../src/console/oidc-sign-in';
import { close, createHttpServer, listen } from '../../src/http/server';
import { type Locale, supportedLocales } from '../../src/i18n/locales';
import { createTranslator, readLocaleResources } from '../../src/i18n/translator';
import { createStores } from '../../src/storage/create-stores';
import { createCaptureLogger } from '../handoff/support/capture-logger';
import { freePort } from '../support/processes';
import { ManualClock, tempDataDir } from '../handoff/support/fixtures';
import { startConsoleServer } from './support/console-client';
import { BrowserAgent, cancelAtProvider, signInAtProvider, startTestOidcProvider, type TestAccount, type TestOidcProvider } from './oidc-test-provider';

/**
 * Console single sign-on against a REAL OpenID Provider on loopback (oidc-provider): the whole app as app.ts
 * builds it, a browser-like agent with one cookie jar going through the provider's sign-in and consent pages.
 */
const clientId = 'trialguide-console';
const clientSecret = 'oidc-test-client-secret-0123456789abcdef';
const accounts: Record<string, TestAccount> = {
  nurse: { name: 'Wong Mei Ling 黄美玲', email: 'mei.ling.wong@hospital.example', email_verified: true, groups: ['nct04548271-team', 'nurses'] },
  porter: { name: 'Lee Ka Ho 李家豪', email: 'ka.ho.lee@hospital.example', email_verified: true, groups: ['facilities'] },
};
/** The test accounts' personal data: never in a log line. */
const accountData = Object.values(accounts).flatMap((account) => [account.name, account.email]);

const resources = readLocaleResources(process.cwd());
const oidcStrings = (locale: Locale) => resources[locale]['console-oidc'] as { signIn: Record<string, string>; signedIn: Record<string, string>; error: Record<string, string> };
const consoleStrings = (locale: Locale) => resources[locale].console as Record<string, Record<string, string>>;
const translator = createTranslator(process.cwd());

const capture = createCaptureLogger();
const clock = new ManualClock(Date.now());
let data: ReturnType<typeof tempDataDir>;
let app: App;
let appBase: string;
let callbackPrefix: string;
/** The provider the console trusts, and another one that knows the same client (a mix-up attacker's). */
let provider: TestOidcProvider;
let otherProvider: TestOidcProvider;

beforeAll(async () => {
  data = tempDataDir();
  const port = await freePort();
  appBase = `http://127.0.0.1:${port}`;
  callbackPrefix = `${appBase}/console/oidc/callback`;
  provider = await startTestOidcProvider({ clientId, clientSecret, redirectUri: callbackPrefix, accounts });
  otherProvider = await startTestOidcProvider({ clientId, clientSecret, redirectUri: callbackPrefix, accounts });
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: data.dir,
    PUBLIC_BASE_URL: appBase,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    OIDC_SCOPES: 'openid email profile groups',
    OIDC_ALLOWED_GROUPS: 'nct04548271-team, study-doctors',
  });
  app = await buildApp(config, { logger: capture.logger, clock });
  await app.start(port);
});

afterAll(async () => {
  await app?.stop();
  await provider?.close();
  await otherProvider?.close();
  data?.remove();
});

/** Each test's budget: a few dozen HTTP round trips per locale, on machines shared with other test runs. */
const flowTimeoutMs = 60_000;

/** The console's sign-in page in `locale` → its single sign-on button → the provider's authorization URL. */
async function startSignIn(agent: BrowserAgent, locale: Locale): Promise<URL> {
  await agent.request(new URL(`/console/language?lang=${locale}&back=/console/sign-in`, appBase));
  const page = await agent.request(new URL('/console/sign-in', appBase));
  expect(page.status).toBe(200);
  const button = new RegExp(`<a class="button" href="([^"]+)">${esc(oidcStrings(locale).signIn.button!)}</a>`).exec(page.body);
  expect(button, 'single sign-on button on the sign-in page').not.toBeNull();
  const start = await agent.request(new URL(button![1]!.replace(/&amp;/g, '&'), appBase));
  expect(start.status).toBe(302);
  expect(start.location?.origin).toBe(new URL(provider.issuer).origin);
  return start.location!;
}

/** Whether the agent holds a console session the app accepts (GET /console shows the list, not the sign-in page). */
async function consolePage(agent: BrowserAgent) {
  return agent.request(new URL('/console', appBase));
}

describe('single sign-on through the loopback OpenID Provider', () => {
  it('signs a coordinator in through the provider\'s sign-in and consent pages, in every locale', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const agent = new BrowserAgent();
      const authorizationUrl = await startSignIn(agent, locale);
      const parameters = authorizationUrl.searchParams;
      expect(parameters.get('response_type')).toBe('code');
      expect(parameters.get('client_id')).toBe(clientId);
      expect(parameters.get('redirect_uri')).toBe(callbackPrefix);
      expect(parameters.get('code_challenge_method')).toBe('S256');
      expect(parameters.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(parameters.get('state')).toMatch(/^[\w-]{20,}$/);
      expect(parameters.get('nonce')).toMatch(/^[\w-]{20,}$/);
      expect(parameters.get('scope')).toBe('openid email profile groups');
      const handleCookie = agent.cookies.find((cookie) => cookie.name === pendingCookieName);
      expect(handleCookie?.path).toBe('/console/oidc');

      const callback = await signInAtProvider(agent, authorizationUrl, 'nurse', callbackPrefix);
      expect(callback.searchParams.get('iss')).toBe(provider.issuer);
      const landed = await agent.request(callback);
      expect(landed.status, landed.body).toBe(200);
      expect(landed.body).toContain(`<html lang="${locale}">`);
      expect(landed.body).toContain(esc(oidcStrings(locale).signedIn.body!));
      expect(landed.body).toContain('<meta http-equiv="refresh" content="0;url=/console">');
      const sessionCookie = landed.setCookies.find((line) => line.startsWith('tg_console_session='));
      expect(sessionCookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict/);
      // The sign-in's own handle is used up.
      expect(landed.setCookies.some((line) => line.startsWith(`${pendingCookieName}=;`) && /Max-Age=0/.test(line))).toBe(true);
      expect(agent.cookie(appBase, pendingCookieName)).toBeUndefined();

      const list = await consolePage(agent);
      expect(list.status).toBe(200);
      expect(list.body).toContain(esc(consoleStrings(locale).nav!.signedInAs!.replace('{{name}}', accounts.nurse!.name)));
      expect(list.body).toContain(`<h1>${esc(consoleStrings(locale).list!.title!)}`);
    }
  }, flowTimeoutMs);

  it('refuses an answer whose state is not the one this browser was sent with, in every locale', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const agent = new BrowserAgent();
      const callback = await signInAtProvider(agent, await startSignIn(agent, locale), 'nurse', callbackPrefix);
      const forged = new URL(callback);
      forged.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xy`);
      const refused = await agent.request(forged);
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(esc(oidcStrings(locale).error.rejected!));
      expect(refused.body).toContain(`<html lang="${locale}">`);
      expect(refused.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);
      expect((await consolePage(agent)).location?.pathname).toBe('/console/sign-in');
      // Nor does the right state work afterwards: the attempt was used up by the forged answer.
      const again = await agent.request(callback);
      expect(again.status).toBe(400);
      expect(again.body).toContain(esc(oidcStrings(locale).error.expired!));
    }
  }, flowTimeoutMs);

  it('refuses a code and token from another issuer (a provider that knows the same client)', async () => {
    const agent = new BrowserAgent();
    const authorizationUrl = await startSignIn(agent, 'en');
    // The browser is sent to the other provider with the same request (state, nonce, PKCE challenge).
    const atOther = new URL(authorizationUrl.pathname + authorizationUrl.search, otherProvider.issuer);
    const callback = await signInAtProvider(agent, atOther, 'nurse', callbackPrefix);
    expect(callback.searchParams.get('iss')).toBe(otherProvider.issuer);
    const refused = await agent.request(callback);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(esc(oidcStrings('en').error.rejected!));
    expect(refused.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);
    expect(capture.text()).toMatch(/"reason":"rejected","detail":"OAUTH_INVALID_RESPONSE/);

    // The same, with the issuer parameter rewritten to the trusted one: the other provider's code is refused at the token endpoint.
    const second = new BrowserAgent();
    const secondUrl = await startSignIn(second, 'zh-Hant');
    const secondCallback = await signInAtProvider(second, new URL(secondUrl.pathname + secondUrl.search, otherProvider.issuer), 'nurse', callbackPrefix);
    secondCallback.searchParams.set('iss', provider.issuer);
    const alsoRefused = await second.request(secondCallback);
    expect(alsoRefused.status).toBe(400);
    expect(alsoRefused.body).toContain(esc(oidcStrings('zh-Hant').error.rejected!));
    expect(alsoRefused.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);
    expect((await consolePage(second)).location?.pathname).toBe('/console/sign-in');
  }, flowTimeoutMs);

  it('refuses a person outside OIDC_ALLOWED_GROUPS with a page saying so (403)', async () => {
    const agent = new BrowserAgent();
    const callback = await signInAtProvider(agent, await startSignIn(agent, 'zh-Hans'), 'porter', callbackPrefix);
    const refused = await agent.request(callback);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(esc(oidcStrings('zh-Hans').error.not_allowed!));
    expect(refused.body).toContain(`href="/console/sign-in"`);
    expect(refused.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);
    expect((await consolePage(agent)).location?.pathname).toBe('/console/sign-in');
  }, flowTimeoutMs);

  it('says the sign-in was cancelled when the person cancels at the provider', async () => {
    const agent = new BrowserAgent();
    const callback = await cancelAtProvider(agent, await startSignIn(agent, 'zh-Hant'), callbackPrefix);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const page = await agent.request(callback);
    expect(page.status).toBe(400);
    expect(page.body).toContain(esc(oidcStrings('zh-Hant').error.cancelled!));
    expect(page.body).toContain(`href="${oidcSignInPath}?lang=zh-Hant"`);
  }, flowTimeoutMs);

  it('refuses an answer with no sign-in in progress, a replayed one, and one older than ten minutes, in every locale', async () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      // No handle cookie at all (another browser, or cookies blocked).
      const stranger = new BrowserAgent();
      await stranger.request(new URL(`/console/language?lang=${locale}`, appBase));
      const orphan = await stranger.request(new URL(`/console/oidc/callback?code=abc&state=def&iss=${encodeURIComponent(provider.issuer)}`, appBase));
      expect(orphan.status).toBe(400);
      expect(orphan.body).toContain(esc(oidcStrings(locale).error.expired!));

      // A finished sign-in's answer replayed with its old handle.
      const agent = new BrowserAgent();
      await startSignIn(agent, locale);
      const handle = agent.cookie(appBase, pendingCookieName)!;
      const authorizationUrl = await startSignIn(agent, locale);
      const callback = await signInAtProvider(agent, authorizationUrl, 'nurse', callbackPrefix);
      const usedHandle = agent.cookie(appBase, pendingCookieName)!;
      expect(usedHandle).not.toBe(handle);
      expect((await agent.request(callback)).status).toBe(200);
      const replayer = new BrowserAgent();
      await replayer.request(new URL(`/console/language?lang=${locale}`, appBase));
      replayer.setCookie(appBase, pendingCookieName, usedHandle, '/console/oidc');
      const replayed = await replayer.request(callback);
      expect(replayed.status).toBe(400);
      expect(replayed.body).toContain(esc(oidcStrings(locale).error.expired!));
      expect(replayed.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);

      // Ten minutes and a second at the provider's pages: too late.
      const slow = new BrowserAgent();
      const slowCallback = await signInAtProvider(slow, await startSignIn(slow, locale), 'nurse', callbackPrefix);
      clock.advance(10 * 60 * 1000 + 1000);
      const late = await slow.request(slowCallback);
      expect(late.status).toBe(400);
      expect(late.body).toContain(esc(oidcStrings(locale).error.expired!));
      expect(late.setCookies.some((line) => line.startsWith('tg_console_session='))).toBe(false);
    }
  }, flowTimeoutMs);

  it('writes no personal data of the coordinators into the log, and says why each sign-in failed', () => {
    const log = capture.text();
    for (const value of accountData) expect(log).not.toContain(value);
    expect(log).not.toContain(clientSecret);
    expect(log).toMatch(/"message":"console sign-in","method":"oidc"/);
    // The operator is told at start which provider signs people in and that an allow-list is set.
    expect(log).toContain(JSON.stringify({ level: 'info', message: 'console single sign-on', issuer: `${provider.issuer}/`, allowedGroups: 2, allowedEmailDomains: 0 }));
    for (const reason of ['rejected', 'not_allowed', 'cancelled', 'expired']) expect(log).toContain(`"reason":"${reason}"`);
  });
});

describe('a provider that cannot be reached', () => {
  it('answers 503 with a page in the coordinator\'s language and a way back, and tries discovery again next time', async () => {
    expect.hasAssertions();
    const closedPort = await freePort();
    const localData = tempDataDir();
    const logs = createCaptureLogger();
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: localData.dir, PUBLIC_BASE_URL: 'http://127.0.0.1', OIDC_ISSUER: `http://127.0.0.1:${closedPort}`, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret });
    const stores = await createStores(config, logs.logger);
    const started = await startConsoleServer({ stores, config, logger: logs.logger, clock });
    try {
      registerOidcRoutes(started.server, { signIn: createOidcSignIn(oidcSettingsFrom(config)!), sessions: started.routes.sessions, keyValue: stores.keyValue, clock, logger: logs.logger, config, i18n: translator });
      for (const locale of supportedLocales) {
        const page = await new BrowserAgent().request(new URL(`${oidcSignInPath}?lang=${locale}`, started.baseUrl));
        expect(page.status).toBe(503);
        expect(page.body).toContain(esc(oidcStrings(locale).error.unavailable!));
        expect(page.body).toContain('href="/console/sign-in"');
        expect(page.setCookies.some((line) => line.startsWith(pendingCookieName))).toBe(false);
      }
      expect(logs.text().match(/"reason":"unavailable","detail":"[^"]*ECONNREFUSED/g)).toHaveLength(supportedLocales.length);
      expect(logs.text()).toContain('"level":"warn","message":"console single sign-on: ANY person the provider authenticates may sign in');
    } finally {
      await started.stop();
      await stores.close();
      localData.remove();
    }
  }, flowTimeoutMs);
});

describe('behind TLS', () => {
  it('marks the sign-in handle cookie Secure when PUBLIC_BASE_URL is https', async () => {
    const localData = tempDataDir();
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: localData.dir, PUBLIC_BASE_URL: 'https://trialguide.hospital.example', OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret });
    const stores = await createStores(config, capture.logger);
    const started = await startConsoleServer({ stores, config, logger: capture.logger, clock });
    try {
      registerOidcRoutes(started.server, { signIn: createOidcSignIn(oidcSettingsFrom(config)!), sessions: started.routes.sessions, keyValue: stores.keyValue, clock, logger: capture.logger, config, i18n: translator });
      const start = await new BrowserAgent().request(new URL(oidcSignInPath, started.baseUrl));
      expect(start.status).toBe(302);
      expect(start.location?.searchParams.get('redirect_uri')).toBe('https://trialguide.hospital.example/console/oidc/callback');
      expect(start.setCookies).toEqual([expect.stringMatching(new RegExp(`^${pendingCookieName}=[\\w-]{43}; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age=600; Secure$`))]);
    } finally {
      await started.stop();
      await stores.close();
      localData.remove();
    }
  }, flowTimeoutMs);
});

describe('a provider that takes the client secret only in the form body (client_secret_post)', () => {
  it('signs in all the same (the main provider above takes it only as HTTP Basic)', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const postOnly = await startTestOidcProvider({ clientId, clientSecret, redirectUri: `${base}/console/oidc/callback`, accounts, clientAuthentication: 'client_secret_post' });
    const localData = tempDataDir();
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: localData.dir, PUBLIC_BASE_URL: base, OIDC_ISSUER: postOnly.issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret });
    const stores = await createStores(config, capture.logger);
    const server = createHttpServer({ config, logger: capture.logger });
    const routes = registerConsoleRoutes(server, { stores, config, logger: capture.logger, clock, i18n: translator, signInAlternatives: oidcSignInAlternatives(translator) });
    registerOidcRoutes(server, { signIn: createOidcSignIn(oidcSettingsFrom(config)!), sessions: routes.sessions, keyValue: stores.keyValue, clock, logger: capture.logger, config, i18n: translator });
    await listen(server, port, '127.0.0.1');
    try {
      const agent = new BrowserAgent();
      await agent.request(new URL('/console/language?lang=zh-Hans', base));
      const start = await agent.request(new URL(oidcSignInPath, base));
      expect(start.location?.origin).toBe(postOnly.issuer);
      const landed = await agent.request(await signInAtProvider(agent, start.location!, 'porter', `${base}/console/oidc/callback`));
      expect(landed.status, landed.body).toBe(200);
      const list = await agent.request(new URL('/console', base));
      expect(list.status).toBe(200);
      expect(list.body).toContain(esc(consoleStrings('zh-Hans').nav!.signedInAs!.replace('{{name}}', accounts.porter!.name)));
    } finally {
      await close(server);
      await stores.close();
      await postOnly.close();
      localData.remove();
    }
  }, flowTimeoutMs);
});

describe('configuration', () => {
  const base = { LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'https://trialguide.hospital.example/chat' };

  it('is off without OIDC_ISSUER, and derives the redirect URL from PUBLIC_BASE_URL', () => {
    expect(oidcSettingsFrom(loadConfig(base))).toBeUndefined();
    const settings = oidcSettingsFrom(loadConfig({ ...base, OIDC_ISSUER: 'https://login.hospital.example/realms/staff', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }));
    expect(settings?.redirectUri.href).toBe('https://trialguide.hospital.example/chat/console/oidc/callback');
    expect(settings?.scopes).toBe('openid email profile');
    expect(settings?.allowedGroups).toEqual([]);
    expect(settings?.allowedEmailDomains).toEqual([]);
    const explicit = oidcSettingsFrom(
      loadConfig({ ...base, OIDC_ISSUER: 'https://login.hospital.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URL: 'https://console.hospital.example/console/oidc/callback', OIDC_ALLOWED_EMAIL_DOMAINS: '@Hospital.example, clinic.example' }),
    );
    expect(explicit?.redirectUri.href).toBe('https://console.hospital.example/console/oidc/callback');
    expect(explicit?.allowedEmailDomains).toEqual(['hospital.example', 'clinic.example']);
  });

  it('stops startup when half configured, or with a plain-HTTP issuer on another machine', () => {
    expect(() => oidcSettingsFrom(loadConfig({ ...base, OIDC_ISSUER: 'https://login.hospital.example' }))).toThrow(ConfigError);
    expect(() => oidcSettingsFrom(loadConfig({ ...base, OIDC_ISSUER: 'https://login.hospital.example', OIDC_CLIENT_ID: 'c' }))).toThrow(/OIDC_CLIENT_SECRET/);
    expect(() => oidcSettingsFrom(loadConfig({ ...base, OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }))).toThrow(/OIDC_ISSUER/);
    expect(() =>
      oidcSettingsFrom(loadConfig({ ...base, OIDC_ISSUER: 'https://login.hospital.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URL: 'https://trialguide.hospital.example/oidc/callback' })),
    ).toThrow(/OIDC_REDIRECT_URL: must end with \/console\/oidc\/callback/);
    expect(() => loadConfig({ ...base, OIDC_ISSUER: 'http://login.hospital.example' })).toThrow(/OIDC_ISSUER: must be an https:\/\/ URL/);
    expect(() => loadConfig({ ...base, OIDC_SCOPES: 'email profile' })).toThrow(/OIDC_SCOPES: must include openid/);
    expect(loadConfig({ ...base, OIDC_ISSUER: 'http://localhost:8080/realms/test' }).env.OIDC_ISSUER).toBe('http://localhost:8080/realms/test');
  });

  it('lets the allow-list decide by group and by verified email domain', () => {
    expect.hasAssertions();
    const cases: Array<[{ allowedGroups: string[]; allowedEmailDomains: string[] }, Record<string, unknown>, string | undefined]> = [
      [{ allowedGroups: [], allowedEmailDomains: [] }, { sub: 'a' }, undefined],
      [{ allowedGroups: ['team'], allowedEmailDomains: [] }, { groups: ['other', 'team'] }, undefined],
      [{ allowedGroups: ['team'], allowedEmailDomains: [] }, { groups: ['other'] }, 'no allowed group'],
      [{ allowedGroups: ['team'], allowedEmailDomains: [] }, { groups: 'team' }, 'no groups claim'],
      [{ allowedGroups: ['team'], allowedEmailDomains: [] }, {}, 'no groups claim'],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, { email: 'A.Nurse@Hospital.Example', email_verified: true }, undefined],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, { email: 'a.nurse@hospital.example' }, undefined],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, { email: 'a.nurse@hospital.example', email_verified: false }, 'email not verified'],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, { email: 'a.nurse@evil-hospital.example' }, 'email domain not allowed'],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, { email: 'hospital.example' }, 'email domain not allowed'],
      [{ allowedGroups: [], allowedEmailDomains: ['hospital.example'] }, {}, 'no email claim'],
      [{ allowedGroups: ['team'], allowedEmailDomains: ['hospital.example'] }, { groups: ['team'], email: 'x@other.example' }, 'email domain not allowed'],
    ];
    for (const [settings, claims, expected] of cases) expect(allowListRefusal(settings, claims), JSON.stringify([settings, claims])).toBe(expected);
  });
});
