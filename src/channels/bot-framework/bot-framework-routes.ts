import { type Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions, StatusCodes, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, type AuthenticateRequestResult, AuthenticationError, type ClaimsIdentity, type ConnectorFactory, type UserTokenClient } from 'botframework-connector';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../../config/load-config';
import { errorBody, type HttpErrorCode, httpErrors } from '../../http/error-catalogue';
import { type ChannelDependencies, stampIngress } from '../channel-dependencies';
import { ConnectorClientCache } from './connector-client-cache';
import { readInboundActivity } from './inbound-activity';
import { isLoopbackAddress, isLoopbackServiceUrl, isMicrosoftConnectorUrl } from './service-url-policy';

/**
 * Token checks that fail inside jsonwebtoken (a forged signature, an expired token) are 401s, not 500s. And a
 * channel token must name the activity's serviceUrl: botbuilder compares the `serviceurl` claim only when the
 * activity has a serviceUrl and only for channel tokens (not for Emulator tokens), so it is required here for all.
 * Replies of every turn share one connector client per app id, service URL and audience, and every turn one user
 * token client per app id (ConnectorClientCache).
 */
class StrictBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectorClients = new ConnectorClientCache();

  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly authEnabled: boolean,
  ) {
    super(options);
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    let result: AuthenticateRequestResult;
    try {
      result = await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes((error as Error).name)) {
        throw new AuthenticationError('Unauthorized. Invalid token.', StatusCodes.UNAUTHORIZED);
      }
      throw error;
    }
    if (this.authEnabled) {
      const claimed = result.claimsIdentity.getClaimValue(AuthenticationConstants.ServiceUrlClaim);
      if (!claimed || claimed !== activity.serviceUrl) throw new AuthenticationError('Unauthorized. ServiceUrl claim missing or different.', StatusCodes.UNAUTHORIZED);
    }
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: this.sharedClients(result.connectorFactory, result.claimsIdentity) };
  }

  /** Proactive turns (continueConversationAsync: Teams notices) share the same clients. */
  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.sharedClients(super.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  /** CloudAdapter asks for one every turn (for OAuth sign-in, which TrialGuide does not use): built once per app id. */
  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.connectorClients.userTokenClient(appIdOf(claimsIdentity), () => super.createUserTokenClient(claimsIdentity));
  }

  private sharedClients(factory: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.connectorClients.around(factory, appIdOf(claimsIdentity));
  }
}

/** The app id as botbuilder's factories read it: the audience claim (a channel's token), else the app id claim. */
function appIdOf(claimsIdentity: ClaimsIdentity): string | undefined {
  return claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? undefined;
}

/** Every turn this adapter runs (incoming or proactive, e.g. Teams notices) belongs to the Bot Framework ingress. */
export class BotFrameworkAdapter extends CloudAdapter {
  /**
   * Authenticates and runs an activity the route has already read and checked. CloudAdapter.process would parse
   * the body again and print its errors (with stacks and token details) to the console.
   */
  async processChecked(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authHeader, activity, logic);
  }

  protected override async runMiddleware(context: TurnContext, next: (revocableContext: TurnContext) => Promise<void>): Promise<void> {
    stampIngress(context, 'bot-framework');
    await super.runMiddleware(context, next);
  }
}

/** botbuilder fetches Microsoft's signing keys with no timeout; a stalled network must not hold requests forever. */
export const authenticationTimeoutMs = 10_000;

/** Credentials for Azure Bot Service. With no MicrosoftAppId, auth is off (Bot Framework Emulator, local tests). */
/** `overrides`: extra botbuilder authentication settings (e.g. a sovereign cloud's OpenID metadata URL). */
export function createBotFrameworkAdapter(config: AppConfig, overrides: Partial<ConfigurationBotFrameworkAuthenticationOptions> = {}): BotFrameworkAdapter {
  const { env } = config;
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: env.MicrosoftAppId ?? '',
    MicrosoftAppPassword: env.MicrosoftAppPassword ?? '',
    // Without an app id auth is off; botbuilder would still insist on an id for SingleTenant.
    MicrosoftAppType: env.MicrosoftAppId ? env.MicrosoftAppType : 'MultiTenant',
    MicrosoftAppTenantId: env.MicrosoftAppTenantId ?? '',
    ...overrides,
  };
  return new BotFrameworkAdapter(new StrictBotFrameworkAuthentication(options, Boolean(options.MicrosoftAppId)));
}

/** Why a request was turned away before authentication: logged as `reason`, never shown to the caller. */
type Refusal = 'not_emulator' | 'service_url_not_loopback' | 'client_not_loopback' | 'service_url_not_microsoft';

/** The address the request came from: behind the hospital's proxy (TRUST_PROXY) the last X-Forwarded-For entry. */
function clientAddress(req: Request, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  return forwarded || req.socket?.remoteAddress;
}

/**
 * Who may post without a token. With auth off only the Bot Framework Emulator on this machine: channel
 * "emulator", a loopback serviceUrl, a loopback client. Anything else could name another channel's
 * conversation and make the bot POST wherever it says. ALLOW_UNAUTHENTICATED_CHANNELS lifts this (unsafe).
 * With auth on, replies may only go to Microsoft's connector hosts (the token's serviceurl claim is checked too).
 */
function refusalFor(req: Request, activity: Activity, config: AppConfig): Refusal | undefined {
  const { env } = config;
  if (env.MicrosoftAppId) return isMicrosoftConnectorUrl(activity.serviceUrl) ? undefined : 'service_url_not_microsoft';
  if (env.ALLOW_UNAUTHENTICATED_CHANNELS) return undefined;
  if (activity.channelId !== 'emulator') return 'not_emulator';
  if (!isLoopbackServiceUrl(activity.serviceUrl)) return 'service_url_not_loopback';
  if (!isLoopbackAddress(clientAddress(req, env.TRUST_PROXY))) return 'client_not_loopback';
  return undefined;
}

/** A rejected token is a 401 (botbuilder says 401 or 403 in `statusCode`); anything else failed on our side. */
function codeForFailure(error: unknown): HttpErrorCode {
  if (error instanceof AuthenticationError) return error.statusCode === 403 ? 'forbidden' : 'unauthorized';
  return 'internal';
}

/** POST /api/messages: Azure Bot Service channels (Teams, Azure-hosted Web Chat) and the Emulator. */
export function registerBotFrameworkRoutes(server: Server, deps: ChannelDependencies, adapter: BotFrameworkAdapter): void {
  const { config, logger } = deps;
  deps.prepareAdapter(adapter);
  if (!config.env.MicrosoftAppId && config.env.ALLOW_UNAUTHENTICATED_CHANNELS) {
    logger.warn('ALLOW_UNAUTHENTICATED_CHANNELS is on: anyone who reaches /api/messages can post as any user of any channel id and make the bot POST to any serviceUrl. Use it only on an isolated test machine.');
  }

  const reject = (req: Request, res: Response, code: HttpErrorCode, reason: string) => {
    logger.warn('bot framework request rejected', { code, reason, requestId: req.id() });
    res.send(httpErrors[code].status, errorBody(code));
  };

  server.post('/api/messages', async (req: Request, res: Response) => {
    const activity = readInboundActivity(req.body, req.is('json'));
    if (!activity) return reject(req, res, 'bad_request', 'not_an_activity');
    const refusal = refusalFor(req, activity, config);
    if (refusal) return reject(req, res, 'forbidden', refusal);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), authenticationTimeoutMs);
    });
    try {
      const outcome = await Promise.race([adapter.processChecked(req.header('authorization') ?? '', activity, deps.botLogic), timedOut]);
      if (outcome === 'timeout') {
        logger.error('bot framework request timed out (is outbound HTTPS to Microsoft login endpoints allowed?)', { code: 'unavailable', requestId: req.id() });
        res.send(503, errorBody('unavailable'));
        return;
      }
      if (outcome?.body === undefined) res.send(outcome?.status ?? 200);
      else res.send(outcome.status, outcome.body);
    } catch (error) {
      const code = codeForFailure(error);
      if (code === 'internal') {
        logger.error('bot framework request failed', { code, error, requestId: req.id() });
        res.send(500, errorBody(code));
        return;
      }
      return reject(req, res, code, (error as Error).name);
    } finally {
      clearTimeout(timer);
    }
  });
}
