import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import type { KeyValueStore } from '../../storage/ports';

/** access_token invalid, invalid credential, access_token expired: fetch a new token and try once more. */
const tokenErrorCodes = new Set([40001, 40014, 42001]);
export const outOfWindowCode = 45015;
const quotaExceededCodes = new Set([45047, 45009]);

const tokenKey = 'wechat:access-token';
const refreshLeaseKey = 'wechat:access-token:refreshing';
/** Refresh a little before WeChat's expiry so a token never dies mid-request. */
const expiryMarginMs = 5 * 60 * 1000;
const refreshLeaseMs = 15_000;
const requestTimeoutMs = 10_000;

export class WeChatApiError extends Error {
  constructor(
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'WeChatApiError';
  }
}

export interface WeChatApiClientOptions {
  /** WECHAT_API_BASE, e.g. https://api.weixin.qq.com */
  apiBase: string;
  appId: string;
  appSecret: string;
  /** Shared across instances: the token cache and the refresh lease live here. */
  keyValue: KeyValueStore;
  clock: Clock;
  logger: Logger;
  /** How often to look for a token another instance is fetching. */
  leasePollMs?: number;
}

export type SendOutcome = 'sent' | 'out-of-window' | 'quota-exceeded' | 'failed';

interface ApiResult {
  errcode?: number;
  errmsg?: string;
}

/**
 * The WeChat server API. Access tokens come from `POST /cgi-bin/stable_token`, which hands every caller the
 * same token while it is valid (unlike the older `GET /cgi-bin/token`, where each fetch invalidated the token
 * every other instance held). Only `force_refresh: true` replaces a valid token, so it is used only when WeChat
 * rejected the token the endpoint still hands out; refreshes stay single-flight within a process, and a short
 * lease in the shared store decides which instance fetches while the others wait for the stored result.
 */
export class WeChatApiClient {
  private refreshing: Promise<string> | undefined;
  private readonly instanceId = randomUUID();

  constructor(private readonly options: WeChatApiClientOptions) {}

  /** A valid access token. `stale` is a token WeChat just rejected: it is never returned again. */
  async accessToken(stale?: string): Promise<string> {
    const cached = await this.options.keyValue.get(tokenKey, this.options.clock.now());
    if (cached && cached !== stale) return cached;
    this.refreshing ??= this.refresh(stale).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(stale: string | undefined): Promise<string> {
    const { keyValue, clock } = this.options;
    const deadline = clock.now().getTime() + refreshLeaseMs * 2;
    for (;;) {
      const leased = await keyValue.setIfAbsent(refreshLeaseKey, this.instanceId, new Date(clock.now().getTime() + refreshLeaseMs));
      if (leased) {
        try {
          return await this.fetchToken(stale);
        } finally {
          await keyValue.delete(refreshLeaseKey);
        }
      }
      await sleep(this.options.leasePollMs ?? 200);
      const cached = await keyValue.get(tokenKey, clock.now());
      if (cached && cached !== stale) return cached;
      if (clock.now().getTime() > deadline) throw new WeChatApiError('timed out waiting for another instance to refresh the access token');
    }
  }

  /** `stale`: the token WeChat just rejected; if the stable endpoint still hands it out, a forced refresh replaces it. */
  private async fetchToken(stale: string | undefined): Promise<string> {
    const { keyValue, clock, logger } = this.options;
    let fetched = await this.stableToken(false);
    const forced = fetched.token === stale;
    if (forced) fetched = await this.stableToken(true);
    // expires_in is what is left of the token's life (up to 7200 s); refresh a little before it ends.
    const lifetimeMs = fetched.expiresInSeconds * 1000;
    await keyValue.set(tokenKey, fetched.token, new Date(clock.now().getTime() + Math.max(lifetimeMs - expiryMarginMs, lifetimeMs / 2)));
    logger.info('wechat access token fetched', { expiresInSeconds: fetched.expiresInSeconds, forced });
    return fetched.token;
  }

  private async stableToken(forceRefresh: boolean): Promise<{ token: string; expiresInSeconds: number }> {
    const { apiBase, appId, appSecret } = this.options;
    const body = (await this.request(new URL('/cgi-bin/stable_token', apiBase), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh }),
    })) as ApiResult & { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new WeChatApiError(`access token request refused (errcode ${body.errcode ?? 'none'})`, body.errcode);
    return { token: body.access_token, expiresInSeconds: body.expires_in ?? 7200 };
  }

  /** Never logs the URL (it carries the token) nor the body (the secret). */
  private async request(url: URL, init: RequestInit): Promise<unknown> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
    if (!response.ok) throw new WeChatApiError(`WeChat API answered HTTP ${response.status} for ${url.pathname}`);
    return response.json();
  }

  /** POSTs JSON with the access token, refreshing it once if WeChat says it is no longer valid. */
  async post(path: string, payload: unknown): Promise<ApiResult> {
    const send = async (token: string) => {
      const url = new URL(path, this.options.apiBase);
      url.search = new URLSearchParams({ access_token: token }).toString();
      // WeChat reads raw UTF-8; JSON.stringify keeps Chinese unescaped, as its docs require.
      return (await this.request(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(payload) })) as ApiResult;
    };
    const token = await this.accessToken();
    const first = await send(token);
    if (first.errcode === undefined || !tokenErrorCodes.has(first.errcode)) return first;
    this.options.logger.warn('wechat access token rejected, refreshing', { errcode: first.errcode });
    return send(await this.accessToken(token));
  }

  /** A customer-service text message. Out-of-window and quota refusals are expected and only logged. */
  async sendText(openId: string, content: string): Promise<SendOutcome> {
    const result = await this.post('/cgi-bin/message/custom/send', { touser: openId, msgtype: 'text', text: { content } });
    const errcode = result.errcode ?? 0;
    if (errcode === 0) return 'sent';
    if (errcode === outOfWindowCode) {
      this.options.logger.info('wechat reply not sent: outside the customer-service window', { errcode });
      return 'out-of-window';
    }
    if (quotaExceededCodes.has(errcode)) {
      this.options.logger.warn('wechat reply not sent: customer-service quota exhausted', { errcode });
      return 'quota-exceeded';
    }
    this.options.logger.warn('wechat reply not sent', { errcode, errmsg: result.errmsg });
    return 'failed';
  }

  /** Publishes the custom menu; throws WeChatApiError when WeChat refuses it. */
  async createMenu(menu: unknown): Promise<void> {
    const result = await this.post('/cgi-bin/menu/create', menu);
    if (result.errcode) throw new WeChatApiError(`menu refused: ${result.errmsg ?? 'no message'} (errcode ${result.errcode})`, result.errcode);
  }
}
