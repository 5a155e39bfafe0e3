import type { Request, Response, Server } from 'restify';
import type { Clock } from '../../clock';
import type { AppConfig } from '../../config/load-config';
import type { Logger } from '../../logger';
import { issueDirectLineToken, newDirectLineUserId, resolveDirectLineSecret } from '../../security/directline-token';
import { errorBody } from '../../http/error-catalogue';
import { clientAddressKey, createFixedWindowRateLimiter, type RateLimiter } from '../../http/rate-limit';

export const directLineTokenPath = '/api/directline/token';
export const azureDirectLineBaseUrl = 'https://directline.botframework.com/v3/directline';

/** Which Direct Line the token is for: ours under /v3/directline, or Azure Bot Service's. */
export type DirectLineProvider = 'self-hosted' | 'azure';

export interface DirectLineTokenResponse {
  conversationId: string;
  token: string;
  expires_in: number;
  provider: DirectLineProvider;
}

export interface DirectLineTokenRouteDependencies {
  config: AppConfig;
  logger: Logger;
  clock: Clock;
}

export interface DirectLineTokenRouteOptions {
  /** Per client address; defaults to 20 tokens a minute, enough for a clinic's shared Wi-Fi. */
  rateLimiter?: RateLimiter;
  /** Azure's Direct Line base URL; tests point it at a local fake. */
  azureBaseUrl?: string;
  azureTimeoutMs?: number;
}

const allowedHeaders = 'Content-Type, x-ms-bot-agent';

/**
 * POST /api/directline/token: what the chat page calls to start a conversation, so the Direct Line secret
 * never reaches a browser. Each call gets a new conversation and a fresh random user id bound into the token.
 * With AZURE_DIRECTLINE_SECRET set, the token comes from Azure's Direct Line instead and the page talks to Azure.
 */
export interface DirectLineTokenRoute {
  /**
   * A token for the chat page to carry, saving a phone on 3G one round trip: same rate limit as the route, and
   * only for our own Direct Line (Azure's would add a remote call to every page view). Undefined when refused.
   */
  tokenForPage(req: Request): DirectLineTokenResponse | undefined;
}

export function registerDirectLineTokenRoute(server: Server, deps: DirectLineTokenRouteDependencies, options: DirectLineTokenRouteOptions = {}): DirectLineTokenRoute {
  const { config, logger, clock } = deps;
  const limiter = options.rateLimiter ?? createFixedWindowRateLimiter({ limit: 20, windowMs: 60_000 });
  const azureSecret = config.env.AZURE_DIRECTLINE_SECRET;
  const selfHostedSecret = azureSecret ? undefined : resolveDirectLineSecret(config, logger);
  const issueSelfHosted = (): DirectLineTokenResponse => ({
    ...issueDirectLineToken({ secret: selfHostedSecret ?? '', ttlSeconds: config.env.DIRECTLINE_TOKEN_TTL_SECONDS, now: clock.now() }),
    provider: 'self-hosted',
  });
  const issue: TokenIssuer = azureSecret ? azureTokenIssuer(azureSecret, options.azureBaseUrl ?? azureDirectLineBaseUrl, options.azureTimeoutMs ?? 10_000) : async () => issueSelfHosted();
  const allowedOrigins = config.env.WEB_ALLOWED_ORIGINS;

  /** CORS for the hospital's own pages; the chat page itself is same-origin and needs none. */
  const allowOrigin = (req: Request, res: Response): boolean => {
    const origin = req.header('origin');
    if (!origin || !(allowedOrigins.includes('*') || allowedOrigins.includes(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    return true;
  };

  server.opts(directLineTokenPath, async (req: Request, res: Response) => {
    if (allowOrigin(req, res)) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.send(204);
  });

  server.post(directLineTokenPath, async (req: Request, res: Response) => {
    allowOrigin(req, res);
    res.setHeader('Cache-Control', 'no-store');
    const decision = limiter.hit(clientAddressKey(req, deps.config.env.TRUST_PROXY), clock.now());
    if (!decision.allowed) {
      logger.info('direct line token refused', { status: 429, code: 'too_many_requests' });
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      res.send(429, errorBody('too_many_requests'));
      return;
    }
    try {
      res.send(200, await issue());
    } catch (error) {
      logger.error('could not issue a Direct Line token', { provider: azureSecret ? 'azure' : 'self-hosted', status: 502, code: 'bad_gateway', cause: errorCodeOf(error), error });
      res.send(502, errorBody('bad_gateway'));
    }
  });

  return {
    tokenForPage(req) {
      if (!selfHostedSecret || !limiter.hit(clientAddressKey(req, config.env.TRUST_PROXY), clock.now()).allowed) return undefined;
      return issueSelfHosted();
    },
  };
}

type TokenIssuer = () => Promise<DirectLineTokenResponse>;

interface AzureTokenBody {
  conversationId?: unknown;
  token?: unknown;
  expires_in?: unknown;
}

/**
 * Exchanges the Azure Direct Line secret for a conversation token. The `dl_` user id is bound into Azure's
 * token (Azure's enhanced authentication requires that prefix), so nobody can post as someone else.
 */
function azureTokenIssuer(secret: string, baseUrl: string, timeoutMs: number): TokenIssuer {
  const url = `${baseUrl.replace(/\/+$/, '')}/tokens/generate`;
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: { id: newDirectLineUserId() } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`Azure Direct Line answered ${response.status}`);
    const body = (await response.json()) as AzureTokenBody;
    if (typeof body.token !== 'string' || typeof body.conversationId !== 'string') throw new Error('Azure Direct Line answered without a token');
    return { conversationId: body.conversationId, token: body.token, expires_in: typeof body.expires_in === 'number' ? body.expires_in : 0, provider: 'azure' };
  };
}

/** A thrown error's own code (ETIMEDOUT, ECONNREFUSED, TimeoutError), for logs that say more than "Error". */
function errorCodeOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error.name;
}
