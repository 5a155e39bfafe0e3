import type { CloudAdapter, Middleware } from 'botbuilder';
import type { Clock } from '../../clock';
import type { AppConfig } from '../../config/load-config';
import type { Logger } from '../../logger';
import type { Stores } from '../../storage/ports';
import { CoordinatorChannel } from './coordinator-channel';
import { createTeamsMiddleware } from './teams-middleware';
import { type TeamsProactiveSink, createTeamsProactiveSink } from './teams-proactive-sink';

export interface TeamsSetupDependencies {
  /** The /api/messages adapter: Teams reaches the bot only through Azure Bot Service. */
  readonly adapter: CloudAdapter;
  readonly stores: Pick<Stores, 'keyValue'>;
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Whether referrals are announced in the coordinators' channel. Default: when MicrosoftAppId is set. */
  readonly announceReferrals?: boolean;
}

export interface TeamsSetup {
  /** Install on the Bot Framework adapter BEFORE the shared middleware (prepareAdapter). */
  readonly middleware: Middleware;
  readonly coordinatorChannel: CoordinatorChannel;
  /**
   * Announces referrals in the coordinators' channel. Absent without MicrosoftAppId: without an Azure Bot
   * registration Teams cannot reach this bot, so no channel could ever have been stored, and every referral
   * would only collect a permanent failure.
   */
  readonly sink?: TeamsProactiveSink;
}

export function setUpTeams(deps: TeamsSetupDependencies): TeamsSetup {
  const { adapter, stores, config, logger, clock } = deps;
  const coordinatorChannel = new CoordinatorChannel(stores.keyValue, clock, logger);
  const middleware = createTeamsMiddleware({ coordinatorChannel, logger });
  const appId = config.env.MicrosoftAppId;
  if (!appId || deps.announceReferrals === false) return { middleware, coordinatorChannel };
  const sink = createTeamsProactiveSink({ adapter, appId, coordinatorChannel, publicBaseUrl: config.env.PUBLIC_BASE_URL, logger });
  return { middleware, coordinatorChannel, sink };
}
