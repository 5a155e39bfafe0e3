import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { registerWebPageRoutes } from '../../src/channels/web/web-page-routes';
import { localeFromAcceptLanguage } from '../../src/i18n/accept-language';
import { negotiateLocale, supportedLocales } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';

/** The page's HTTP side: language choice, security headers, escaping, and the scripts it serves. */
const silent = createLogger('silent');
const i18n = createTranslator(projectRoot);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPageServer(env: Record<string, string> = {}): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-page-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env });
  const server = createHttpServer({ config, logger: silent });
  registerWebPageRoutes(server, { config, logger: silent, i18n });
  const port = await listen(server, 0, '127.0.0.1');
  cleanups.push(() => close(server));
  return `http://127.0.0.1:${port}`;
}

interface PageConfig {
  locale: string;
  provider: string;
  strings: Record<string, Record<string, string>>;
}

function pageConfigOf(html: string): PageConfig {
  const json = /<script type="application\/json" id="trialguide-config">(.*?)<\/script>/s.exec(html)?.[1];
  if (!json) throw new Error('no page configuration in the page');
  return JSON.parse(json) as PageConfig;
}

/** node:http, because fetch() decompresses by itself and hides what was on the wire. */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((part) => part.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
}

describe('GET / language', () => {
  it('follows ?lang=, then Accept-Language, then English; the lang attribute and title follow', async () => {
    const base = await startPageServer();
    const cases: [string, Record<string, string>, string][] = [
      ['/', { 'Accept-Language': 'zh-TW,zh;q=0.9,en;q=0.8' }, 'zh-Hant'],
      ['/', { 'Accept-Language': 'fr-FR, zh-CN;q=0.5' }, 'zh-Hans'],
      ['/', {}, 'en'],
      ['/?lang=en', { 'Accept-Language': 'zh-CN' }, 'en'],
      ['/?lang=zh-HK', {}, 'zh-Hant'],
    ];
    expect.hasAssertions();
    for (const [url, headers, locale] of cases) {
      const html = await (await fetch(`${base}${url}`, { headers })).text();
      expect(html, url).toContain(`<html lang="${locale}">`);
      expect(html).toContain(`<title>${i18n.getFixedT(locale)('channels:web.pageTitle')} · `);
      expect(pageConfigOf(html).locale).toBe(locale);
    }
  });

  it('parses Accept-Language by quality, skipping languages we do not ship', () => {
    expect(localeFromAcceptLanguage('en;q=0.2, zh-HK;q=0.8')).toBe('zh-Hant');
    expect(localeFromAcceptLanguage('de, fr;q=0.9')).toBeUndefined();
    expect(localeFromAcceptLanguage('zh;q=0, en')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
  });

  it('hands the page script every string in every locale, taken from locales/*/channels.json', async () => {
    expect.hasAssertions();
    const base = await startPageServer();
    const { strings } = pageConfigOf(await (await fetch(`${base}/`)).text());
    for (const locale of supportedLocales) {
      const t = i18n.getFixedT(locale);
      expect(strings[locale]?.privacy).toBe(t('channels:web.privacy'));
      expect(strings[locale]?.languageChanged).toBe(t('channels:web.languageChanged'));
      expect(`${strings[locale]?.emergencyBefore}120${strings[locale]?.emergencyAfter}`).toBe(t('channels:web.emergency', { emergencyNumber: '120' }));
    }
  });
});

describe('GET / security headers', () => {
  it('sends a nonce-based CSP (no unsafe-inline, no unsafe-eval) whose nonce is on the page\'s scripts and changes per response', async () => {
    const base = await startPageServer();
    const first = await fetch(`${base}/`);
    const csp = directives(first.headers.get('content-security-policy'));
    const nonce = /'nonce-([^']+)'/.exec(csp.get('script-src')?.join(' ') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    const html = await first.text();
    // The nonce is base64: "+" and "/" must not be read as regular-expression syntax.
    const escapedNonce = (nonce ?? '').replace(/[+/=]/g, (char) => `\\${char}`);
    expect(html).toMatch(new RegExp(`<script src="assets/chat\\.js\\?v=[0-9a-f]{16}" nonce="${escapedNonce}" defer>`));
    expect(html).toContain(`<script nonce="${nonce}">// Inlined into the chat page`);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    for (const values of csp.values()) {
      expect(values).not.toContain("'unsafe-inline'");
      expect(values).not.toContain("'unsafe-eval'");
    }
    const second = await fetch(`${base}/`);
    expect(second.headers.get('content-security-policy')).not.toContain(nonce);
    expect(first.headers.get('cache-control')).toBe('no-store');
  });

  it('only its own origin may frame the page when WEB_ALLOWED_ORIGINS is empty (X-Frame-Options too)', async () => {
    const response = await fetch(`${await startPageServer()}/`);
    expect(directives(response.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'self'"]);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('the hospital origins in WEB_ALLOWED_ORIGINS may frame it; entries that are not bare origins are left out', async () => {
    const base = await startPageServer({ WEB_ALLOWED_ORIGINS: 'https://hospital.example, https://bad.example/path, https://www.hospital.example' });
    const response = await fetch(`${base}/`);
    expect(directives(response.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'self'", 'https://hospital.example', 'https://www.hospital.example']);
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('with AZURE_DIRECTLINE_SECRET the page may connect to Azure\'s Direct Line, and is told to', async () => {
    const base = await startPageServer({ AZURE_DIRECTLINE_SECRET: 'azure-secret-for-page-test' });
    const response = await fetch(`${base}/`);
    expect(directives(response.headers.get('content-security-policy')).get('connect-src')).toEqual(["'self'", 'https://directline.botframework.com', 'wss://directline.botframework.com']);
    expect(pageConfigOf(await response.text()).provider).toBe('azure');
  });

  it('escapes site configuration in the HTML and in the embedded JSON', async () => {
    const site = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'site.example.json'), 'utf8')) as { siteName: Record<string, string> };
    site.siteName.en = 'Hospital </script><script>alert(1)</script> & "Clinic"';
    const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-site-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'site.json'), JSON.stringify(site));
    const html = await (await fetch(`${await startPageServer({ SITE_CONFIG_PATH: path.join(dir, 'site.json') })}/?lang=en`)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Hospital &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Clinic&quot;');
    expect(pageConfigOf(html).strings.en?.siteName).toBe(site.siteName.en);
  });
});

describe('scripts and assets', () => {
  it('GET /embed.js maps the hospital page\'s language with the server\'s own negotiateLocale (its source, not a copy)', async () => {
    expect.hasAssertions();
    const source = await (await fetch(`${await startPageServer()}/embed.js`)).text();
    expect(source).toContain(negotiateLocale.toString());
    expect(source).not.toContain('@@TRIALGUIDE_NEGOTIATE_LOCALE@@');
    const inEmbed = new Script(`(${negotiateLocale.toString()})`).runInNewContext({}) as (tag: string) => string | undefined;
    for (const tag of ['zh-CN', 'zh', 'zh-SG', 'zh-Hans-CN', 'zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'yue', 'en', 'en-GB', 'fr-FR', 'ZH_tw', '']) {
      expect(inEmbed(tag), tag).toBe(negotiateLocale(tag));
    }
  });

  it('GET /embed.js is valid JavaScript with the button strings from the locale files, loadable from other origins', async () => {
    expect.hasAssertions();
    const response = await fetch(`${await startPageServer()}/embed.js`);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const source = await response.text();
    expect(source).not.toContain('@@TRIALGUIDE_EMBED_CONFIG@@');
    expect(() => new Script(source)).not.toThrow();
    for (const locale of supportedLocales) expect(source).toContain(JSON.stringify(i18n.getFixedT(locale)('channels:web.openChat')));
  });

  it('the page links Web Chat\'s minimal bundle by content hash: brotli or gzip as accepted, cached for a year, an ETag', async () => {
    const base = await startPageServer();
    const bundle = readFileSync(path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat-minimal.js'));
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const html = await (await fetch(`${base}/`)).text();
    const bundlePath = /<script src="(webchat\/[0-9a-f]{16}\.js)"/.exec(html)?.[1];
    expect(bundlePath).toBe(`webchat/${digest(bundle).slice(0, 16)}.js`);

    const brotli = await rawGet(`${base}/${bundlePath}`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotli.headers.vary).toContain('Accept-Encoding');
    expect(brotli.body.length).toBeLessThan(bundle.length / 4);
    expect(digest(brotliDecompressSync(brotli.body))).toBe(digest(bundle));
    const gzipped = await rawGet(`${base}/${bundlePath}`, { 'Accept-Encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(digest(gunzipSync(gzipped.body))).toBe(digest(bundle));
    const plain = await rawGet(`${base}/${bundlePath}`, { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(digest(plain.body)).toBe(digest(bundle));
    const etag = String(brotli.headers.etag ?? '');
    expect(etag).not.toBe('');
    expect((await fetch(`${base}/${bundlePath}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);

    expect((await fetch(`${base}/webchat/0123456789abcdef.js`)).status).toBe(404);
    const unversioned = await rawGet(`${base}/webchat.js`, { 'Accept-Encoding': 'gzip' });
    expect(unversioned.headers['cache-control']).toBe('public, max-age=86400');
    expect(digest(gunzipSync(unversioned.body))).toBe(digest(bundle));
  });

  it('the page itself is gzipped when accepted and never cached; assets linked with ?v=<hash> are cached for a year', async () => {
    const base = await startPageServer();
    const page = await rawGet(`${base}/`, { 'Accept-Encoding': 'gzip, br' });
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers['cache-control']).toBe('no-store');
    const html = gunzipSync(page.body).toString('utf8');
    const styleUrl = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(styleUrl).toMatch(/^assets\/chat\.css\?v=[0-9a-f]{16}$/);
    const style = await rawGet(`${base}/${styleUrl}`, { 'Accept-Encoding': 'br' });
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(style.body).toString('utf8')).toBe(readFileSync(path.join(projectRoot, 'public', 'assets', 'chat.css'), 'utf8'));
    expect((await rawGet(`${base}/assets/chat.css?v=stale`, {})).headers['cache-control']).toBe('public, max-age=300');
  });

  it('GET /assets/* serves only the files in public/assets, by exact name', async () => {
    const base = await startPageServer();
    const script = await fetch(`${base}/assets/chat.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${base}/assets/chat.css`)).headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/..%2Fchat.html`)).status).toBe(404);
    expect((await fetch(`${base}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});

describe('HSTS and a CSP with frame-ancestors on every response that a browser could render (issue 8)', () => {
  const paths = ['/', '/?lang=zh-Hans', '/?lang=zh-Hant', '/assets/favicon.svg', '/assets/chat.css', '/assets/missing.html', '/no-such-page'];

  it('behind TLS (PUBLIC_BASE_URL https) every response carries Strict-Transport-Security', async () => {
    expect.hasAssertions();
    const base = await startPageServer({ PUBLIC_BASE_URL: 'https://chat.hospital.example' });
    for (const url of paths) expect((await fetch(`${base}${url}`)).headers.get('strict-transport-security'), url).toBe('max-age=31536000; includeSubDomains');
  });

  it('a TLS-terminating proxy saying X-Forwarded-Proto: https gets HSTS; plain HTTP does not (browsers ignore it there)', async () => {
    const base = await startPageServer();
    expect((await fetch(`${base}/`, { headers: { 'X-Forwarded-Proto': 'https' } })).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await fetch(`${base}/`)).headers.get('strict-transport-security')).toBeNull();
  });

  it('every response has a CSP with frame-ancestors; only the chat page may be framed, and only by WEB_ALLOWED_ORIGINS', async () => {
    expect.hasAssertions();
    const base = await startPageServer({ WEB_ALLOWED_ORIGINS: 'https://hospital.example' });
    for (const url of paths) {
      const response = await fetch(`${base}${url}`);
      const csp = directives(response.headers.get('content-security-policy'));
      const page = url.startsWith('/?') || url === '/';
      expect(csp.get('frame-ancestors'), url).toEqual(page ? ["'self'", 'https://hospital.example'] : ["'none'"]);
      if (!page) expect(csp.get('default-src'), url).toEqual(["'none'"]);
    }
    // An SVG opened directly cannot run script.
    expect(directives((await fetch(`${base}/assets/favicon.svg`)).headers.get('content-security-policy')).get('default-src')).toEqual(["'none'"]);
  });
});
