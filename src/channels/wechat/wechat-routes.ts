import { randomBytes } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { ConfigError } from '../../config/load-config';
import { errorBody } from '../../http/error-catalogue';
import { createTranslator, type Translate, translatorFor } from '../../i18n/translator';
import type { Locale } from '../../i18n/locales';
import type { ChannelDependencies } from '../channel-dependencies';
import { WeChatApiClient } from './customer-service-client';
import { toInbound, type WeChatInbound, WeChatMessageError } from './inbound-message';
import { WeChatCryptoError, WeChatMessageCrypto } from './message-crypto';
import { renderReply } from './render';
import { type ReplayVerdict, requestFingerprint, WeChatReplayGuard } from './replay-guard';
import { ReplyQuota } from './reply-quota';
import { isValidSignature, wechatSignature } from './signature';
import { TurnCoordinator } from './turn-coordinator';
import { WeChatAdapter } from './wechat-adapter';
import { createWeChatTurnRunner } from './wechat-turn';
import { buildEncryptedReplyXml, buildTextReplyXml, defaultMaxXmlBytes, parseWeChatXml, WeChatXmlError } from './xml';

export const wechatPath = '/api/wechat';

export interface WeChatRouteOptions {
  /** How long a request waits for the bot before answering `success` (WeChat allows 5 s, network included). */
  replyBudgetMs?: number;
  /** Largest XML body accepted (the server-wide MAX_BODY_BYTES still applies first, with 413). */
  maxXmlBytes?: number;
}

/** What the composition root may keep: the adapter (proactive messages) and a drain for graceful shutdown. */
export interface WeChatChannel {
  readonly adapter: WeChatAdapter;
  /** Waits for answers still being sent through the customer-service API. */
  drain(): Promise<void>;
}

export const defaultReplyBudgetMs = 4000;

type Query = Record<string, unknown>;

function queryOf(req: Request): Query {
  return (req.query ?? {}) as Query;
}

function field(query: Query, name: string): string {
  const value = query[name];
  return typeof value === 'string' ? value : '';
}

function bodyText(req: Request): string | undefined {
  const body: unknown = req.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return undefined;
}

class BadRequest extends Error {}

/**
 * GET/POST /api/wechat for a WeChat Official Account, in plaintext and safe (AES) mode. Registered only when
 * WECHAT_TOKEN is set; returns undefined otherwise.
 */
export function registerWeChatRoutes(server: Server, deps: ChannelDependencies, options: WeChatRouteOptions = {}): WeChatChannel | undefined {
  const { env } = deps.config;
  const token = env.WECHAT_TOKEN;
  if (!token) return undefined;
  if (env.WECHAT_ENCODING_AES_KEY && !env.WECHAT_APP_ID) throw new ConfigError(['WECHAT_APP_ID: required when WECHAT_ENCODING_AES_KEY is set (safe mode checks it)']);
  const messageCrypto = env.WECHAT_ENCODING_AES_KEY && env.WECHAT_APP_ID ? new WeChatMessageCrypto(env.WECHAT_ENCODING_AES_KEY, env.WECHAT_APP_ID) : undefined;
  const maxXmlBytes = options.maxXmlBytes ?? defaultMaxXmlBytes;
  const { logger, clock, stores } = deps;

  const api =
    env.WECHAT_APP_ID && env.WECHAT_APP_SECRET
      ? new WeChatApiClient({ apiBase: env.WECHAT_API_BASE, appId: env.WECHAT_APP_ID, appSecret: env.WECHAT_APP_SECRET, keyValue: stores.keyValue, clock, logger })
      : undefined;
  if (!api) logger.warn('wechat: WECHAT_APP_ID/WECHAT_APP_SECRET not set; answers later than the 5-second window cannot be delivered');

  const i18n = createTranslator(deps.config.rootDir);
  const translate = (locale: Locale): Translate => translatorFor(i18n, locale);
  const locale = env.WECHAT_MENU_LANGUAGE;
  const quota = new ReplyQuota(stores.keyValue, clock);

  async function sendMessages(openId: string, messages: readonly string[]): Promise<void> {
    if (!api) {
      logger.warn('wechat: dropped a late answer (no API credentials)', { messages: messages.length });
      return;
    }
    for (const content of messages) {
      if (!(await quota.take(openId))) {
        logger.warn('wechat: reply allowance used up, message not sent', { remainingMessages: messages.length });
        return;
      }
      const outcome = await api.sendText(openId, content);
      if (outcome !== 'sent') return;
    }
  }

  const adapter = new WeChatAdapter(async (openId: string, activities: Partial<Activity>[]) => {
    const chooseHint = () => translate(locale)('channels:wechat.chooseHint');
    await sendMessages(openId, renderReply(activities, chooseHint).messages);
  });
  deps.prepareAdapter(adapter);

  const coordinator = new TurnCoordinator({
    keyValue: stores.keyValue,
    clock,
    logger,
    replyBudgetMs: options.replyBudgetMs ?? defaultReplyBudgetMs,
    runTurn: createWeChatTurnRunner({ adapter, botLogic: deps.botLogic, quota, locale, translate }),
    sendLater: (inbound: WeChatInbound, messages: string[]) => sendMessages(inbound.openId, messages),
  });

  // Signatures expire and are single-use: see WeChatReplayGuard for the design (identical retries pass on to
  // the MsgId de-duplication, a seen nonce with a different request is refused).
  const replayGuard = new WeChatReplayGuard(stores.keyValue, clock);

  const refuse = (res: Response, reason: string) => {
    logger.warn('wechat request refused', { reason });
    res.send(401, errorBody('unauthorized'));
  };

  /** The query signature, the timestamp window and the nonce's shape; answers 401 and returns false otherwise. */
  const authentic = (query: Query, res: Response): boolean => {
    const timestamp = field(query, 'timestamp');
    const nonce = field(query, 'nonce');
    if (!isValidSignature(query.signature, [token, timestamp, nonce])) refuse(res, 'bad signature');
    else if (!replayGuard.isFresh(timestamp)) refuse(res, 'timestamp outside the signature window');
    else if (!WeChatReplayGuard.isWellFormedNonce(nonce)) refuse(res, 'malformed nonce');
    else return true;
    return false;
  };

  /**
   * Records the request's nonce; a nonce seen with a different request is refused (401). When the shared store
   * cannot be asked: in plaintext mode the nonce is the only thing tying the signature to this body, so the
   * request is refused with 503 (WeChat retries); in safe mode msg_signature already covers the body and an
   * identical replay is a retry, so the push goes on (its turn meets the same storage failure and answers it).
   */
  const firstUse = async (query: Query, res: Response, method: string, body: string): Promise<boolean> => {
    let verdict: ReplayVerdict;
    try {
      verdict = await replayGuard.check(field(query, 'timestamp'), field(query, 'nonce'), requestFingerprint(method, body));
    } catch (error) {
      if (messageCrypto) {
        logger.error('wechat nonce check failed, continuing (safe mode: msg_signature covers the body)', { error });
        return true;
      }
      logger.error('wechat nonce check failed, request refused', { error });
      res.send(503, errorBody('unavailable'));
      return false;
    }
    if (verdict !== 'replay') return true;
    refuse(res, 'nonce reused with a different request');
    return false;
  };

  server.get(wechatPath, async (req: Request, res: Response) => {
    const query = queryOf(req);
    if (!authentic(query, res)) return;
    // URL verification signs like a plaintext POST: its nonce is recorded too, or its signature could carry a body.
    const echostr = field(query, 'echostr');
    if (!(await firstUse(query, res, 'GET', echostr))) return;
    res.sendRaw(200, echostr, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  server.post(wechatPath, async (req: Request, res: Response) => {
    const query = queryOf(req);
    if (!authentic(query, res)) return;
    // Safe mode: only encrypted pushes. A plaintext POST's signature covers no body, so answering it would
    // bring back exactly the risk safe mode is there to remove ("compatible" mode is for migration only).
    if (messageCrypto && field(query, 'encrypt_type') !== 'aes') {
      refuse(res, 'plaintext push in safe mode');
      return;
    }
    let fields: Record<string, string>;
    try {
      const text = bodyText(req);
      if (text === undefined) throw new BadRequest('no XML body');
      fields = parseWeChatXml(text, maxXmlBytes);
      if (!messageCrypto && (field(query, 'encrypt_type') === 'aes' || (fields.Encrypt !== undefined && fields.MsgType === undefined))) {
        throw new BadRequest('encrypted message without safe mode configured');
      }
      if (messageCrypto) {
        const cipherText = fields.Encrypt;
        if (!cipherText) throw new BadRequest('safe-mode message without Encrypt');
        if (!isValidSignature(query.msg_signature, [token, field(query, 'timestamp'), field(query, 'nonce'), cipherText])) {
          refuse(res, 'bad msg_signature');
          return;
        }
      }
      // Authenticated: now the nonce's single use (it answers when it refuses).
      if (!(await firstUse(query, res, 'POST', text))) return;
      if (messageCrypto) fields = parseWeChatXml(messageCrypto.decrypt(fields.Encrypt ?? ''), maxXmlBytes);
    } catch (error) {
      if (error instanceof BadRequest || error instanceof WeChatXmlError || error instanceof WeChatCryptoError) {
        logger.warn('wechat request rejected', { reason: error.message });
        res.send(400, errorBody('bad_request', 'The request is not a WeChat message.'));
        return;
      }
      throw error;
    }

    let inbound: WeChatInbound;
    try {
      inbound = toInbound(fields);
    } catch (error) {
      if (!(error instanceof WeChatMessageError)) throw error;
      logger.warn('wechat request rejected', { reason: error.message });
      res.send(400, errorBody('bad_request', 'The request is not a WeChat message.'));
      return;
    }

    const outcome = await coordinator.handle(inbound);
    if (outcome.kind === 'success') {
      res.sendRaw(200, 'success', { 'Content-Type': 'text/plain; charset=utf-8' });
      return;
    }
    const now = Math.floor(clock.now().getTime() / 1000);
    let xml = buildTextReplyXml({ toUser: inbound.openId, fromUser: inbound.accountId, createTime: now, content: outcome.content });
    if (messageCrypto) {
      const encrypt = messageCrypto.encrypt(xml);
      const timestamp = String(now);
      const nonce = randomBytes(8).readUInt32BE(0).toString();
      xml = buildEncryptedReplyXml({ encrypt, timestamp, nonce, msgSignature: wechatSignature([token, timestamp, nonce, encrypt]) });
    }
    res.sendRaw(200, xml, { 'Content-Type': 'application/xml; charset=utf-8' });
  });

  logger.info('wechat channel ready', { path: wechatPath, safeMode: Boolean(messageCrypto), customerService: Boolean(api) });
  return { adapter, drain: () => coordinator.drain() };
}
