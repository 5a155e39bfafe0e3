import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../../config/load-config';
import { codeForStatus, errorBody } from '../../http/error-catalogue';
import type { ChannelDependencies } from '../channel-dependencies';

/** Credentials for Azure Bot Service. With no MicrosoftAppId, auth is off (Bot Framework Emulator, local tests). */
export function createBotFrameworkAdapter(config: AppConfig): CloudAdapter {
  const { env } = config;
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: env.MicrosoftAppId ?? '',
    MicrosoftAppPassword: env.MicrosoftAppPassword ?? '',
    // Without an app id auth is off; botbuilder would still insist on an id for SingleTenant.
    MicrosoftAppType: env.MicrosoftAppId ? env.MicrosoftAppType : 'MultiTenant',
    MicrosoftAppTenantId: env.MicrosoftAppTenantId ?? '',
  };
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication(options));
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
    try {
      await adapter.process(req, recorded, deps.botLogic);
    } catch (error) {
      deps.logger.warn('bot framework request rejected', { error: (error as Error).name });
      recorded.statusCode = 400;
      recorded.body = undefined;
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
