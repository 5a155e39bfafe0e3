import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { i18n } from 'i18next';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../../config/load-config';
import { errorBody } from '../../http/error-catalogue';
import { localeFromAcceptLanguage } from '../../i18n/accept-language';
import { channelLocaleTags, type Locale, negotiateLocale, supportedLocales } from '../../i18n/locales';
import type { Logger } from '../../logger';
import { immutableCaching, preferredEncoding, sendCompressed } from './compressed-file';
import { fallbackContentSecurityPolicy, servedOverTls, setPageSecurityHeaders, strictTransportSecurity, validOrigins } from './content-security-policy';
import { escapeHtml, fillTemplate, jsonForScript } from './page-template';
import { languageKey, type PageStrings, pageStrings } from './page-strings';
import type { DirectLineTokenResponse } from './directline-token-route';
import { contentTypes, locateWebChatBundle, readAssets } from './static-files';
import { themeColours } from './theme-colours';

export interface WebPageDependencies {
  config: AppConfig;
  logger: Logger;
  /** The app's translator: page strings come from locales/<locale>/channels.json → "web". */
  i18n: i18n;
  /** A Direct Line token the page carries (one round trip less on a slow network); without it the page asks for one. */
  tokenForPage?: (req: Request) => DirectLineTokenResponse | undefined;
}

const azureDirectLineOrigins = ['https://directline.botframework.com', 'wss://directline.botframework.com'];
const gzipAsync = promisify(gzip);

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
      // What Web Chat's `locale` prop expects for each shipped locale (it localises its own UI from this).
      webChatLocales: channelLocaleTags,
      strings,
      provider: usesAzure ? 'azure' : 'self-hosted',
      tokenUrl: 'api/directline/token',
      token: deps.tokenForPage?.(req),
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
