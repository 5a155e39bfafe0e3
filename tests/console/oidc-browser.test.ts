import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { type Locale, supportedLocales } from '../../src/i18n/locales';
import { readLocaleResources } from '../../src/i18n/translator';
import { createCaptureLogger } from '../handoff/support/capture-logger';
import { freePort } from '../support/processes';
import { tempDataDir } from '../handoff/support/fixtures';
import { startTestOidcProvider, type TestOidcProvider } from './oidc-test-provider';

/**
 * Console single sign-on in Debian's Chromium against the loopback OpenID Provider, on a tablet screen. The
 * provider is another SITE (127.0.0.1, the console is at localhost): the browser comes back with a cross-site
 * navigation that carries no SameSite=Strict cookie, which is what the callback's own continue page is for.
 */
const chromiumPath = '/usr/bin/chromium';
const artifacts = path.join(projectRoot, 'test-artifacts');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const clientId = 'trialguide-console';
const clientSecret = 'oidc-browser-test-secret-0123456789abcdef';
const nurse = { name: 'Chan Siu Ming 陳小明', email: 'siu.ming.chan@hospital.example', email_verified: true, groups: ['nct04548271-team'] };
/** How each console locale is asked for by the browser's own language. */
const browserLocales: Record<Locale, string> = { en: 'en-GB', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-HK' };

const resources = readLocaleResources(projectRoot);
const oidcStrings = (locale: Locale) => resources[locale]['console-oidc'] as { signIn: Record<string, string>; error: Record<string, string> };
const consoleStrings = (locale: Locale) => resources[locale].console as Record<string, Record<string, string>>;

const capture = createCaptureLogger();
let data: ReturnType<typeof tempDataDir>;
let app: App;
let appBase: string;
let provider: TestOidcProvider;
let browser: Browser;

beforeAll(async () => {
  data = tempDataDir();
  const port = await freePort();
  appBase = `http://localhost:${port}`;
  provider = await startTestOidcProvider({ clientId, clientSecret, redirectUri: `${appBase}/console/oidc/callback`, accounts: { nurse } });
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: data.dir,
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: appBase,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    OIDC_SCOPES: 'openid email profile groups',
    OIDC_ALLOWED_GROUPS: 'nct04548271-team',
    OIDC_ALLOWED_EMAIL_DOMAINS: 'hospital.example',
  });
  app = await buildApp(config, { logger: capture.logger });
  await app.start(port);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await provider?.close();
  data?.remove();
});

/** A tablet with the coordinator's browser language; nothing leaves the machine (the provider's pages ask for a web font). */
async function newTabletContext(browserLocale: string) {
  const context = await browser.newContext({ viewport: { width: 820, height: 1180 }, locale: browserLocale });
  await context.route(/^https?:\/\/(?!localhost[:/]|127\.0\.0\.1[:/])/, (route) => route.abort());
  return context;
}

async function severeAxeViolations(page: Page, reportName: string): Promise<Array<{ id: string; impact: string | null; targets: string[] }>> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<{ id: string; impact: string | null; targets: string[] }[]>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) =>
      result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) })))`);
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(path.join(artifacts, reportName), `${JSON.stringify(violations, null, 2)}\n`);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

describe('console single sign-on in Chromium', () => {
  for (const locale of supportedLocales) {
    it(`signs in through the provider's pages and lands on the console signed in (${locale})`, async () => {
      const context = await newTabletContext(browserLocales[locale]);
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      try {
        await page.goto(`${appBase}/console`);
        expect(new URL(page.url()).pathname).toBe('/console/sign-in');
        await page.getByRole('link', { name: oidcStrings(locale).signIn.button! }).click();

        // The provider's own pages: its sign-in form, then its consent form.
        await page.waitForURL((url) => url.origin === provider.issuer);
        await page.locator('input[name="login"]').fill('nurse');
        await page.locator('input[name="password"]').fill('the provider checks this, not TrialGuide');
        await page.locator('button[type="submit"]').click();
        await page.getByRole('button', { name: 'Continue' }).click();

        // Back at the console (through the continue page), signed in, in the coordinator's language.
        await page.waitForURL(`${appBase}/console`);
        const signedInAs = consoleStrings(locale).nav!.signedInAs!.replace('{{name}}', nurse.name);
        await expect.poll(() => page.getByText(signedInAs).count()).toBe(1);
        await expect.poll(() => page.getByRole('heading', { level: 1, name: consoleStrings(locale).list!.title! }).count()).toBe(1);
        expect(await page.locator('html').getAttribute('lang')).toBe(locale);

        const cookies = await context.cookies(`${appBase}/console/oidc/callback`);
        expect(cookies.find((cookie) => cookie.name === 'tg_console_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
        expect(cookies.find((cookie) => cookie.name === 'tg_console_oidc')).toBeUndefined();
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `console-oidc-signed-in-${locale}.png`) });
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 90_000);
  }

  it('shows a failed sign-in as a readable page, axe-clean, with a way to start again', async () => {
    const context = await newTabletContext('zh-CN');
    const page = await context.newPage();
    try {
      const response = await page.goto(`${appBase}/console/oidc/callback?code=stale&state=stale`);
      expect(response?.status()).toBe(400);
      await expect.poll(() => page.getByRole('alert').textContent()).toBe(oidcStrings('zh-Hans').error.expired);
      expect(await severeAxeViolations(page, 'console-oidc-error-axe.json')).toEqual([]);
      await page.screenshot({ path: path.join(artifacts, 'console-oidc-error-zh-Hans.png') });
      // Starting again goes straight back to the provider.
      await page.getByRole('link', { name: oidcStrings('zh-Hans').error.startAgain! }).click();
      await page.waitForURL((url) => url.origin === provider.issuer);
      expect(await page.locator('input[name="login"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('logged the sign-ins without the coordinator\'s name or email', () => {
    const log = capture.text();
    expect(log.match(/"message":"console sign-in","method":"oidc"/g)).toHaveLength(supportedLocales.length);
    expect(log).not.toContain(nurse.name);
    expect(log).not.toContain(nurse.email);
  });
});
