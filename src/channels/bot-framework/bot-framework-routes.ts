import { type Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions, StatusCodes } from 'botbuilder';
import { type AuthenticateRequestResult, AuthenticationError } from 'botframework-connector';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../../config/load-config';
import { codeForStatus, errorBody } from '../../http/error-catalogue';
import type { ChannelDependencies } from '../channel-dependencies';

/** Token checks that fail inside jsonwebtoken (a forged signature, an expired token) are 401s, not 500s. */
class StrictBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes((error as Error).name)) {
        throw new AuthenticationError('Unauthorized. Invalid token.', StatusCodes.UNAUTHORIZED);
      }
      throw error;
    }
  }
}

/** botbuilder fetches Microsoft's signing keys with no timeout; a stalled network must not hold requests forever. */
export const authenticationTimeoutMs = 10_000;

/** Credentials for Azure Bot Service. With no MicrosoftAppId, auth is off (Bot Framework Emulator, local tests). */
/** `overrides`: extra botbuilder authentication settings (e.g. a sovereign cloud's OpenID metadata URL). */
export function createBotFrameworkAdapter(config: AppConfig, overrides: Partial<ConfigurationBotFrameworkAuthenticationOptions> = {}): CloudAdapter {
  const { env } = config;
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: env.MicrosoftAppId ?? '',
    MicrosoftAppPassword: env.MicrosoftAppPassword ?? '',
    // Without an app id auth is off; botbuilder would still insist on an id for SingleTenant.
    MicrosoftAppType: env.MicrosoftAppId ? env.MicrosoftAppType : 'MultiTenant',
    MicrosoftAppTenantId: env.MicrosoftAppTenantId ?? '',
    ...overrides,
  };
  return new CloudAdapter(new StrictBotFrameworkAuthentication(options));
}

/**
 * Records what CloudAdapter writes so that failures are answered with the JSON error catalogue instead of
 * raw exception text (offline, a token validation failure would otherwise echo the fetch error).
 */
class RecordedResponse {
  statusCode = 200;
  body: unknown;
  readonly socket = undefined;
  status(code: number): void {
    this.statusCode = code;
  }
  send(body: unknown): void {
    this.body = body;
  }
  header(): void {}
  end(): void {}
}

/** POST /api/messages: Azure Bot Service channels (Teams, Azure-hosted Web Chat) and the Emulator. */
export function registerBotFrameworkRoutes(server: Server, deps: ChannelDependencies, adapter: CloudAdapter): void {
  deps.prepareAdapter(adapter);
  server.post('/api/messages', async (req: Request, res: Response) => {
    const recorded = new RecordedResponse();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), authenticationTimeoutMs);
    });
    try {
      const outcome = await Promise.race([adapter.process(req, recorded, deps.botLogic), timedOut]);
      if (outcome === 'timeout') {
        deps.logger.error('bot framework request timed out (is outbound HTTPS to Microsoft login endpoints allowed?)');
        recorded.statusCode = 503;
      }
    } catch (error) {
      deps.logger.warn('bot framework request rejected', { error: (error as Error).name });
      recorded.statusCode = 400;
      recorded.body = undefined;
    } finally {
      clearTimeout(timer);
    }
    if (recorded.statusCode >= 400) {
      if (recorded.statusCode >= 500) deps.logger.error('bot framework request failed', { status: recorded.statusCode });
      res.send(recorded.statusCode, errorBody(codeForStatus(recorded.statusCode)));
      return;
    }
    if (recorded.body === undefined) res.send(recorded.statusCode);
    else res.send(recorded.statusCode, recorded.body);
  });
}
