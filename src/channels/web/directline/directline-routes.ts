import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ChannelAccount } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import {
  issueDirectLineToken,
  newConversationId,
  newDirectLineUserId,
  resolveDirectLineSecret,
  signConversationToken,
  signStreamCredential,
} from '../../../security/directline-token';
import { clientAddressKey, clientAddressTurnStateKey } from '../../../http/rate-limit';
import { claimClientActivity } from '../../../storage/activity-claims';
import type { ChannelDependencies } from '../../channel-dependencies';
import { DirectLineAdapter, newActivityId } from './directline-adapter';
import { type DirectLinePrincipal, authenticate, authenticateForConversation } from './directline-auth';
import { DirectLineConversations, type DirectLineConversation } from './directline-conversations';
import { registerDirectLineCors } from './directline-cors';
import { type DirectLineError, directLineErrors, sendError, sendJson } from './directline-errors';
import { exceedsJsonDepth, postedActivitySchema, startConversationSchema, tokenRequestSchema, watermarkSchema } from './directline-schemas';
import { createStreamUpgradeHandler, streamNonce } from './directline-stream-upgrade';
import { DirectLineStreams } from './directline-streams';

export const directLineBasePath = '/v3/directline';

export interface DirectLineOptions {
  /** How long a conversation stays reachable after its last activity; its log is purged on the same horizon. */
  retentionMs?: number;
  keepAliveMs?: number;
  purgeIntervalMs?: number;
  bot?: ChannelAccount;
}

export interface DirectLineEndpoint {
  readonly adapter: DirectLineAdapter;
  /** Erasure ("delete my data"): the conversation's history and its record; its tokens then get 404. */
  eraseConversation(conversationId: string): Promise<void>;
  /** Closes open streams and stops timers; call before closing the HTTP server (sockets would hold it open). */
  close(): void;
}

const defaults = {
  retentionMs: 24 * 60 * 60 * 1000,
  keepAliveMs: 25_000,
  purgeIntervalMs: 60 * 60 * 1000,
  bot: { id: 'trialguide', name: 'TrialGuide', role: 'bot' },
} satisfies Required<DirectLineOptions>;

/** ws:// or wss:// as the browser reached us (a TLS-terminating proxy says so in X-Forwarded-Proto). */
function streamOrigin(req: Request, publicBaseUrl: string): string {
  const forwarded = req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  const secure = publicBaseUrl.startsWith('https:') || forwarded === 'https' || req.isSecure();
  const host = req.header('host') || new URL(publicBaseUrl).host;
  return `${secure ? 'wss' : 'ws'}://${host}`;
}

/**
 * The self-hosted Direct Line 3.0 endpoint under /v3/directline: tokens, conversations, activities and the
 * WebSocket stream, running the app's bot in-process (see CHANNELS.md, "Self-hosted Direct Line 3.0").
 */
export function registerDirectLineRoutes(server: Server, deps: ChannelDependencies, options: DirectLineOptions = {}): DirectLineEndpoint {
  const settings = { ...defaults, ...options };
  const { config, clock, logger, stores } = deps;
  const ttlSeconds = config.env.DIRECTLINE_TOKEN_TTL_SECONDS;
  const secret = resolveDirectLineSecret(config, logger);
  const base = directLineBasePath;

  const conversations = new DirectLineConversations(stores.keyValue, settings.retentionMs);
  const streams = new DirectLineStreams(stores.conversationLogs, logger, settings.keepAliveMs);
  const adapter = new DirectLineAdapter({
    conversationLogs: stores.conversationLogs,
    streams,
    clock,
    bot: settings.bot,
    serviceUrl: `${config.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}${base}`,
  });
  deps.prepareAdapter(adapter);

  registerDirectLineCors(server, base, config.env.WEB_ALLOWED_ORIGINS);

  const streamUrl = (req: Request, conversationId: string, userId: string, watermark?: number): string => {
    const credential = signStreamCredential(secret, { conversationId, userId }, clock.now());
    // The nonce makes every URL distinct (and single use) even when two are issued in the same second.
    const query = new URLSearchParams({ t: credential, n: streamNonce(secret, credential), ...(watermark ? { watermark: String(watermark) } : {}) });
    return `${streamOrigin(req, config.env.PUBLIC_BASE_URL)}${base}/conversations/${encodeURIComponent(conversationId)}/stream?${query.toString()}`;
  };

  /** The caller's token when it has one (Direct Line hands the same token back), else a fresh one. */
  const tokenFor = (principal: DirectLinePrincipal, conversationId: string, userId: string): { token: string; expires_in: number } => {
    const now = clock.now();
    if (principal.kind === 'token') {
      return { token: principal.token, expires_in: Math.max(0, principal.claims.expiresAt - Math.floor(now.getTime() / 1000)) };
    }
    const signed = signConversationToken(secret, { conversationId, userId }, now, ttlSeconds);
    return { token: signed.token, expires_in: signed.expiresIn };
  };

  /**
   * Every refusal is logged with its code (TokenExpired, forbidden, ...) and the route's pattern, never the path:
   * paths hold conversation ids, which let someone address a conversation.
   */
  const reject = (req: Request, res: Response, error: DirectLineError): void => {
    logger.info('direct line request rejected', { method: req.method, route: req.getRoute()?.path, status: error.status, code: error.code });
    sendError(res, error);
  };

  /** Anything a handler did not expect: logged with its code, answered with the catalogue's 500 (never the error's text). */
  const guarded =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await handler(req, res);
      } catch (error) {
        logger.error('direct line request failed', { method: req.method, route: req.getRoute()?.path, code: directLineErrors.internal.code, error });
        if (!res.headersSent) sendError(res, directLineErrors.internal);
      }
    };

  /** A body nested deeper than any client sends is refused before anything walks it recursively. */
  const tooDeep = (req: Request, res: Response): boolean => {
    if (!exceedsJsonDepth(req.body)) return false;
    reject(req, res, directLineErrors.badRequest);
    return true;
  };

  /** Authenticates for `:id` and loads the conversation; sends the error itself when either fails. */
  const openConversation = async (req: Request, res: Response): Promise<{ principal: DirectLinePrincipal; conversationId: string; conversation: DirectLineConversation } | undefined> => {
    const conversationId = String(req.params.id ?? '');
    const now = clock.now();
    const auth = authenticateForConversation(req, secret, now, conversationId);
    if (!auth.ok) {
      reject(req, res, auth.error);
      return undefined;
    }
    const conversation = await conversations.get(conversationId, now);
    if (!conversation) {
      reject(req, res, directLineErrors.notFound);
      return undefined;
    }
    return { principal: auth.principal, conversationId, conversation };
  };

  server.post(`${base}/tokens/generate`, guarded(async (req: Request, res: Response) => {
    const auth = authenticate(req, secret, clock.now());
    if (!auth.ok) return reject(req, res, auth.error);
    if (auth.principal.kind !== 'secret') return reject(req, res, directLineErrors.forbidden);
    if (tooDeep(req, res)) return;
    const body = tokenRequestSchema.safeParse(req.body ?? undefined);
    if (!body.success) return reject(req, res, directLineErrors.badRequest);
    sendJson(res, 200, issueDirectLineToken({ secret, ttlSeconds, now: clock.now(), userId: body.data?.user?.id }));
  }));

  server.post(`${base}/tokens/refresh`, guarded(async (req: Request, res: Response) => {
    const auth = authenticate(req, secret, clock.now());
    if (!auth.ok) return reject(req, res, auth.error);
    if (auth.principal.kind !== 'token') return reject(req, res, directLineErrors.forbidden);
    const { conversationId, userId } = auth.principal.claims;
    const signed = signConversationToken(secret, { conversationId, userId }, clock.now(), ttlSeconds);
    sendJson(res, 200, { conversationId, token: signed.token, expires_in: signed.expiresIn });
  }));

  server.post(`${base}/conversations`, guarded(async (req: Request, res: Response) => {
    const auth = authenticate(req, secret, clock.now());
    if (!auth.ok) return reject(req, res, auth.error);
    if (tooDeep(req, res)) return;
    const body = startConversationSchema.safeParse(req.body ?? undefined);
    if (!body.success) return reject(req, res, directLineErrors.badRequest);
    const { principal } = auth;
    // A token fixes conversation and user; the secret holder is a trusted server and may name the user.
    const conversationId = principal.kind === 'token' ? principal.claims.conversationId : newConversationId();
    const userId = principal.kind === 'token' ? principal.claims.userId : (body.data?.user?.id ?? newDirectLineUserId());
    const locale = body.data?.locale;
    const conversation: DirectLineConversation = { userId, ...(locale ? { locale } : {}) };

    const started = await conversations.start(conversationId, conversation, clock.now());
    if (started) {
      try {
        await adapter.startConversation(conversationId, { id: userId, name: '', role: 'user' }, locale, deps.botLogic);
      } catch (error) {
        logger.error('direct line greeting turn failed', { code: directLineErrors.botError.code, error });
        // Let the client's retry start the conversation again rather than find it half-started.
        await conversations.forget(conversationId);
        return sendError(res, directLineErrors.botError);
      }
    }
    const token = tokenFor(principal, conversationId, userId);
    const answer = { conversationId, ...token, streamUrl: streamUrl(req, conversationId, userId) };
    // Our own extension, asked for only by the chat page's early script (public/early-chat.js): the greeting
    // comes with the answer, saving a phone on 3G the round trip of GET .../activities. Stock clients never ask.
    if (req.query?.include === 'activities') {
      const page = await stores.conversationLogs.since(conversationId, 0);
      sendJson(res, started ? 201 : 200, { ...answer, activities: page.activities, watermark: String(page.watermark) });
      return;
    }
    sendJson(res, started ? 201 : 200, answer);
  }));

  server.get(`${base}/conversations/:id`, guarded(async (req: Request, res: Response) => {
    const opened = await openConversation(req, res);
    if (!opened) return;
    const watermark = watermarkSchema.safeParse(req.query?.watermark);
    if (!watermark.success) return reject(req, res, directLineErrors.badRequest);
    const { principal, conversationId, conversation } = opened;
    sendJson(res, 200, {
      conversationId,
      ...tokenFor(principal, conversationId, conversation.userId),
      streamUrl: streamUrl(req, conversationId, conversation.userId, watermark.data),
    });
  }));

  server.get(`${base}/conversations/:id/activities`, guarded(async (req: Request, res: Response) => {
    const opened = await openConversation(req, res);
    if (!opened) return;
    const watermark = watermarkSchema.safeParse(req.query?.watermark);
    if (!watermark.success) return reject(req, res, directLineErrors.badRequest);
    const page = await stores.conversationLogs.since(opened.conversationId, watermark.data);
    sendJson(res, 200, { activities: page.activities, watermark: String(page.watermark) });
  }));

  server.post(`${base}/conversations/:id/activities`, guarded(async (req: Request, res: Response) => {
    const opened = await openConversation(req, res);
    if (!opened) return;
    if (tooDeep(req, res)) return;
    const parsed = postedActivitySchema.safeParse(req.body);
    if (!parsed.success) {
      const tooLong = parsed.error.issues.some((issue) => issue.path[0] === 'text' && issue.code === 'too_big');
      return reject(req, res, tooLong ? directLineErrors.messageTooLong : directLineErrors.badRequest);
    }
    // The bot does not act on the user's typing indicator, and it is not part of the history.
    if (parsed.data.type === 'typing') return sendJson(res, 200, { id: newActivityId() });

    const { conversationId, conversation } = opened;
    const userId = opened.principal.kind === 'token' ? opened.principal.claims.userId : conversation.userId;
    const activity = adapter.stampIncoming({ ...parsed.data, from: { id: userId, name: '', role: 'user' } }, conversationId);
    // A client's retry (same clientActivityID, maybe on another instance) is acknowledged with the first id, not run again.
    const clientActivityId = parsed.data.channelData?.clientActivityID;
    if (typeof clientActivityId === 'string' && clientActivityId.length > 0) {
      const claim = await claimClientActivity(stores.keyValue, conversationId, clientActivityId.slice(0, 200), activity.id ?? '', clock.now());
      if (!claim.fresh) return sendJson(res, 200, { id: claim.id });
    }
    // Echo first: Web Chat marks the message delivered when it sees it back with the same clientActivityID.
    await adapter.publish(conversationId, activity);
    await conversations.touch(conversationId, conversation, clock.now());
    try {
      await adapter.processActivity(activity, deps.botLogic, new Map([[clientAddressTurnStateKey, clientAddressKey(req, config.env.TRUST_PROXY)]]));
    } catch (error) {
      logger.error('direct line turn failed', { code: directLineErrors.botError.code, error });
      return sendError(res, directLineErrors.botError);
    }
    sendJson(res, 200, { id: activity.id });
  }));

  const upgrades = createStreamUpgradeHandler({ basePath: base, secret, clock, logger, conversations, streams, keyValue: stores.keyValue });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    upgrades.handle(req, socket, head).then(
      (handled) => {
        // Another channel may own this path; with no one else listening, do not leave the socket hanging.
        if (!handled && server.server.listenerCount('upgrade') === 1) socket.destroy();
      },
      (error: unknown) => logger.error('direct line upgrade handler failed', { error }),
    );
  };
  server.server.on('upgrade', onUpgrade);

  const purge = setInterval(() => {
    stores.conversationLogs.purgeOlderThan(new Date(clock.now().getTime() - settings.retentionMs)).then(
      (purged) => {
        if (purged > 0) logger.info('purged direct line activity logs', { purged });
      },
      (error: unknown) => logger.warn('direct line log purge failed', { error }),
    );
  }, settings.purgeIntervalMs);
  purge.unref();

  return {
    adapter,
    eraseConversation: async (conversationId) => {
      await conversations.forget(conversationId);
      await stores.conversationLogs.deleteConversation(conversationId);
    },
    close: () => {
      clearInterval(purge);
      server.server.off('upgrade', onUpgrade);
      streams.close();
      upgrades.close();
    },
  };
}
