import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type CompressedFile, compressFile, immutableCaching, preferredEncoding, sendCompressed } from './compressed-file';
import type { i18n } from 'i18next';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../config/load-config';
import { type Locale, negotiateLocale, supportedLocales } from '../i18n/locales';
import type { Logger } from '../logger';
import { errorBody } from './error-catalogue';

export interface WebPageDependencies {
  config: AppConfig;
  logger: Logger;
  /** The app's translator: page strings come from locales/<locale>/channels.json → "web". */
  i18n: i18n;
}

/** What Web Chat's `locale` prop expects for each shipped locale (it localises its own UI from this). */
export const webChatLocales: Record<Locale, string> = { en: 'en-US', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW' };

const azureDirectLineOrigins = ['https://directline.botframework.com', 'wss://directline.botframework.com'];
const gzipAsync = promisify(gzip);

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The hospital chat page and what it loads: GET / (the page), GET /embed.js (a chat button for any hospital
 * page), GET /webchat/<hash>.js (Web Chat's minimal bundle from node_modules, no CDN; /webchat.js for old
 * pages) and GET /assets/* (public/assets). Scripts and styles are compressed once (brotli, gzip) and linked
 * with their content hash, so a phone downloads each once and never revalidates it.
 * Templates are read once at registration: a missing file stops startup instead of failing a patient's visit.
 */
export function registerWebPageRoutes(server: Server, deps: WebPageDependencies): void {
  const { config, logger, i18n: translator } = deps;
  const publicDir = path.join(config.rootDir, 'public');
  const pageTemplate = readFileSync(path.join(publicDir, 'chat.html'), 'utf8');
  const embedTemplate = readFileSync(path.join(publicDir, 'embed.js'), 'utf8');
  const assets = readAssets(path.join(publicDir, 'assets'));
  // Runs inline (with the response's nonce) before any download: it starts the conversation while Web Chat loads.
  const earlyChatScript = readFileSync(path.join(publicDir, 'early-chat.js'), 'utf8');
  const webChat = locateWebChatBundle(path.join(config.rootDir, 'node_modules', '.cache', 'trialguide'));
  const assetUrl = (name: string): string => {
    const file = assets.get(name);
    if (!file) throw new Error(`chat page: public/assets/${name} is missing`);
    return `assets/${name}?v=${file.version}`;
  };
  const frameOrigins = validOrigins(config.env.WEB_ALLOWED_ORIGINS, logger);
  const usesAzure = Boolean(config.env.AZURE_DIRECTLINE_SECRET);
  const theme = themeColours(config);
  const strings = Object.fromEntries(supportedLocales.map((locale) => [locale, pageStrings(deps, locale)])) as Record<Locale, PageStrings>;

  const publicBaseIsHttps = config.env.PUBLIC_BASE_URL.startsWith('https:');
  // Every response, whatever route (or none) answers it: a browser may render any of them (an SVG asset, an
  // error) as a document. The chat page replaces the CSP with its own, which allows WEB_ALLOWED_ORIGINS to frame it.
  server.pre((req: Request, res: Response, next: () => void) => {
    res.setHeader('Content-Security-Policy', fallbackContentSecurityPolicy);
    if (servedOverTls(req, publicBaseIsHttps)) res.setHeader('Strict-Transport-Security', strictTransportSecurity);
    return next();
  });

  server.get('/', async (req: Request, res: Response) => {
    const requested = typeof req.query?.lang === 'string' ? negotiateLocale(req.query.lang) : undefined;
    const locale = requested ?? localeFromAcceptLanguage(req.header('accept-language')) ?? 'en';
    const nonce = randomBytes(16).toString('base64');
    const own = strings[locale];
    const pageConfig = {
      // The page starts in this language; it does no mapping of its own.
      locale,
      webChatLocales,
      strings,
      provider: usesAzure ? 'azure' : 'self-hosted',
      tokenUrl: 'api/directline/token',
      directLinePath: 'v3/directline',
      theme,
    };
    const html = fillTemplate(pageTemplate, {
      lang: locale,
      title: `${own.pageTitle} · ${own.siteName}`,
      nonce,
      primary: theme.primary,
      onPrimary: theme.onPrimary,
      accent: theme.accent,
      onAccent: theme.onAccent,
      siteName: own.siteName,
      assistantName: own.assistantName,
      languageLabel: own.languageLabel,
      emergencyBefore: own.emergencyBefore,
      emergencyAfter: own.emergencyAfter,
      emergencyNumber: config.site.emergencyNumber,
      emergencyDial: config.site.emergencyNumber.replace(/[^\d+]/g, ''),
      privacy: own.privacy,
      privacySummary: own.privacySummary,
      chatLabel: own.chatLabel,
      noScript: own.noScript,
      webChatUrl: `webchat/${webChat.file.version}.js`,
      chatScriptUrl: assetUrl('chat.js'),
      chatStyleUrl: assetUrl('chat.css'),
      faviconUrl: assetUrl('favicon.svg'),
      earlyChatScript,
      languageOptions: supportedLocales
        .map((option) => `<option value="${option}" lang="${option}"${option === locale ? ' selected' : ''}>${escapeHtml(translator.getFixedT(option)('common:language.' + languageKey(option)))}</option>`)
        .join(''),
      pageConfig: jsonForScript(pageConfig),
    });
    setPageSecurityHeaders(res, nonce, { frameOrigins, connectOrigins: usesAzure ? azureDirectLineOrigins : [] });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Encoding');
    // The page carries every locale's strings (about 20 kB): gzip is worth a round trip on 3G.
    if (preferredEncoding(req.header('accept-encoding'))) {
      res.sendRaw(200, await gzipAsync(html, { level: 6 }), { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' });
      return;
    }
    res.sendRaw(200, html, { 'Content-Type': 'text/html; charset=utf-8' });
  });

  const embedScript = Buffer.from(
    embedTemplate.replace('/*@@TRIALGUIDE_NEGOTIATE_LOCALE@@*/ null', `(${negotiateLocale.toString()})`).replace(
      '/*@@TRIALGUIDE_EMBED_CONFIG@@*/ null',
      jsonForScript({
        strings: Object.fromEntries(supportedLocales.map((locale) => [locale, { open: strings[locale].openChat, close: strings[locale].closeChat, title: strings[locale].chatLabel }])),
        theme,
      }),
    ),
  );
  server.get('/embed.js', async (_req: Request, res: Response) => {
    // Hospital pages load this from another origin, possibly with Cross-Origin-Embedder-Policy.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.sendRaw(200, embedScript, { 'Content-Type': contentTypes['.js'] ?? '' });
  });

  // The minimal bundle (plain text and suggested actions: all the bot sends to Web Chat): 1.9 MB raw, 0.37 MB brotli.
  server.get('/webchat/:file', async (req: Request, res: Response) => {
    if (req.params.file !== `${webChat.file.version}.js`) {
      res.send(404, errorBody('not_found'));
      return;
    }
    res.setHeader('Cache-Control', immutableCaching);
    await sendCompressed(req, res, webChat.file);
  });
  // Pages rendered before an upgrade (and old embeds) ask for the unversioned name: a day's caching only.
  server.get('/webchat.js', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    await sendCompressed(req, res, webChat.file);
  });

  server.get('/assets/:file', async (req: Request, res: Response) => {
    // Only files that existed at startup, looked up by exact name: no path ever reaches the file system.
    const file = assets.get(String(req.params.file ?? ''));
    if (!file) {
      res.send(404, errorBody('not_found'));
      return;
    }
    // Linked as ?v=<content hash> by the page: that URL never changes meaning, so it is cached for good.
    res.setHeader('Cache-Control', req.query?.v === file.version ? immutableCaching : 'public, max-age=300');
    await sendCompressed(req, res, file);
  });
}

type PageStrings = ReturnType<typeof pageStrings>;

/** Every string the page shows in one locale, interpolated with the site's facts. */
function pageStrings({ config, i18n: translator }: WebPageDependencies, locale: Locale) {
  const t = translator.getFixedT(locale);
  const marker = '\u0000number\u0000';
  const [emergencyBefore = '', emergencyAfter = ''] = t('channels:web.emergency', { emergencyNumber: marker }).split(marker);
  const phone = config.site.coordinator.phone;
  return {
    siteName: config.site.siteName[locale],
    pageTitle: t('channels:web.pageTitle'),
    assistantName: t('channels:web.assistantName'),
    languageLabel: t('channels:web.languageLabel'),
    emergencyBefore,
    emergencyAfter,
    privacy: t('channels:web.privacy'),
    privacySummary: t('channels:web.privacySummary'),
    chatLabel: t('channels:web.chatLabel'),
    connecting: t('channels:web.connecting'),
    connectionFailed: t('channels:web.connectionFailed', { phone }),
    busy: t('channels:web.busy'),
    languageChanged: t('channels:web.languageChanged'),
    sendBoxPlaceholder: t('channels:web.sendBoxPlaceholder'),
    noScript: t('channels:web.noScript', { phone }),
    openChat: t('channels:web.openChat'),
    closeChat: t('channels:web.closeChat'),
  };
}

function languageKey(locale: Locale): string {
  return { en: 'en', 'zh-Hans': 'zhHans', 'zh-Hant': 'zhHant' }[locale];
}

/** The first language in Accept-Language (by q) that maps to a shipped locale. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean) ?? '1');
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const locale = negotiateLocale(entry.tag);
    if (locale) return locale;
  }
  return undefined;
}

/**
 * The hash of an empty style element. Web Chat 4.18 does not hand its nonce to react-scroll-to-bottom, whose
 * emotion cache creates an empty <style> and fills it through insertRule (CSSOM, which CSP does not check).
 * Allowing exactly the empty element lets that work; any injected <style> with content is still refused.
 */
const emptyStyleHash = `sha256-${createHash('sha256').update('').digest('base64')}`;

interface SecurityHeaderOptions {
  /** Origins that may frame the page (the embed button's panel on hospital pages). */
  frameOrigins: readonly string[];
  /** Extra origins Web Chat connects to (Azure's Direct Line when configured). */
  connectOrigins: readonly string[];
}

/**
 * The CSP Web Chat runs under (checked in tests/browser/web-chat.test.ts, which fails on any violation): scripts
 * and style elements only from this origin or carrying this response's nonce (Web Chat's emotion styles get it
 * through its `nonce` prop), no eval, no inline handlers. 'self' in connect-src covers the same-origin ws(s)://
 * stream. img-src allows data: because Web Chat draws some icons as data URIs.
 */
export function pageContentSecurityPolicy(nonce: string, { frameOrigins, connectOrigins }: SecurityHeaderOptions): string {
  const ancestors = frameOrigins.includes('*') ? '*' : ["'self'", ...frameOrigins].join(' ');
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}' '${emptyStyleHash}'`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connectOrigins].join(' ')}`,
    "media-src 'self' blob: data:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** For every response that is not the chat page: nothing may load, run or frame it. */
export const fallbackContentSecurityPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A year, subdomains included: the chat host serves nothing that needs plain HTTP. */
export const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * HSTS only means something over TLS (browsers ignore it on plain HTTP): when the public URL is https, the socket
 * is TLS, or a TLS-terminating proxy says so in X-Forwarded-Proto (a forged header only adds an ignored header).
 */
function servedOverTls(req: Request, publicBaseIsHttps: boolean): boolean {
  return publicBaseIsHttps || req.isSecure() || req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

function setPageSecurityHeaders(res: Response, nonce: string, options: SecurityHeaderOptions): void {
  res.setHeader('Content-Security-Policy', pageContentSecurityPolicy(nonce, options));
  // Legacy browsers ignore frame-ancestors; X-Frame-Options cannot name origins, so it is only sent when no other site may frame the page.
  if (options.frameOrigins.length === 0) res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/** WEB_ALLOWED_ORIGINS entries go into a header: only exact origins (or `*`) pass. */
function validOrigins(origins: readonly string[], logger: Logger): string[] {
  return origins.filter((origin) => {
    if (origin === '*') return true;
    try {
      if (new URL(origin).origin === origin) return true;
    } catch (error) {
      logger.warn('WEB_ALLOWED_ORIGINS entry is not a URL', { origin, error });
      return false;
    }
    logger.warn('WEB_ALLOWED_ORIGINS entry ignored for framing: it must be an origin like https://hospital.example (no path, no trailing slash)', { origin });
    return false;
  });
}

interface ThemeColours {
  primary: string;
  onPrimary: string;
  accent: string;
  onAccent: string;
}

/** Text colour on the hospital's colours: white or near-black, whichever contrasts more (WCAG 1.4.3). */
function themeColours(config: AppConfig): ThemeColours {
  const { primaryColor, accentColor } = config.site.theme;
  return { primary: primaryColor, onPrimary: readableOn(primaryColor), accent: accentColor, onAccent: readableOn(accentColor) };
}

function relativeLuminance(hex: string): number {
  const channels = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function readableOn(background: string): string {
  const light = relativeLuminance(background);
  const darkText = '#1a1a1a';
  const contrastWithWhite = 1.05 / (light + 0.05);
  const contrastWithDark = (light + 0.05) / (relativeLuminance(darkText) + 0.05);
  return contrastWithWhite >= contrastWithDark ? '#ffffff' : darkText;
}

/**
 * Web Chat's minimal UMD bundle: no Markdown, Adaptive Cards or speech, which the bot never sends to Web Chat
 * (plain text and suggested actions; hero cards go to Teams only). Half the full bundle's size.
 */
function locateWebChatBundle(cacheDir: string): { file: CompressedFile; version: string } {
  // The package exports only its entry (lib/index.js); the UMD bundles sit in dist/ beside it.
  const packageDir = path.resolve(path.dirname(require.resolve('botframework-webchat')), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { file: compressFile(readFileSync(path.join(packageDir, 'dist', 'webchat-minimal.js')), contentTypes['.js'] ?? '', cacheDir), version };
}

function readAssets(folder: string): Map<string, CompressedFile> {
  const files = new Map<string, CompressedFile>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const contentType = contentTypes[path.extname(entry.name)];
    if (entry.isFile() && contentType) files.set(entry.name, compressFile(readFileSync(path.join(folder, entry.name)), contentType));
  }
  return files;
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can close or confuse it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `{{name}}` is HTML-escaped, `{{{name}}}` is inserted as is (for markup and JSON built above). */
function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}/g, (match, rawName: string | undefined, escapedName: string | undefined) => {
    const value = values[rawName ?? escapedName ?? ''];
    if (value === undefined) throw new Error(`chat page template: no value for ${match}`);
    return rawName ? value : escapeHtml(value);
  });
}
