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
    runTurn: createWeChatTurnRunner({ adapter, botLogic: deps.botLogic, keyValue: stores.keyValue, clock, quota, locale, translate }),
    sendLater: (inbound: WeChatInbound, messages: string[]) => sendMessages(inbound.openId, messages),
  });

  const signed = (query: Query) => isValidSignature(query.signature, [token, field(query, 'timestamp'), field(query, 'nonce')]);

  server.get(wechatPath, async (req: Request, res: Response) => {
    const query = queryOf(req);
    if (!signed(query)) {
      res.send(401, errorBody('unauthorized'));
      return;
    }
    res.sendRaw(200, field(query, 'echostr'), { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  server.post(wechatPath, async (req: Request, res: Response) => {
    const query = queryOf(req);
    if (!signed(query)) {
      res.send(401, errorBody('unauthorized'));
      return;
    }
    let fields: Record<string, string>;
    let encrypted = false;
    try {
      const text = bodyText(req);
      if (text === undefined) throw new BadRequest('no XML body');
      fields = parseWeChatXml(text, maxXmlBytes);
      if (field(query, 'encrypt_type') === 'aes' || (fields.Encrypt !== undefined && fields.MsgType === undefined)) {
        encrypted = true;
        const cipherText = fields.Encrypt;
        if (!messageCrypto || !cipherText) throw new BadRequest('encrypted message without safe mode configured or without Encrypt');
        if (!isValidSignature(query.msg_signature, [token, field(query, 'timestamp'), field(query, 'nonce'), cipherText])) {
          res.send(401, errorBody('unauthorized'));
          return;
        }
        fields = parseWeChatXml(messageCrypto.decrypt(cipherText), maxXmlBytes);
      }
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
    if (encrypted && messageCrypto) {
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
