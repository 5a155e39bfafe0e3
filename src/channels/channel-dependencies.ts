import type { BotAdapter, TurnContext } from 'botbuilder';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';
import type { Stores } from '../storage/ports';

/** What every channel adapter is given by the composition root (src/app.ts). Channels never import each other. */
export interface ChannelDependencies {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly stores: Stores;
  readonly clock: Clock;
  /** Installs the shared middleware (safety first, per-conversation serialisation, typing, error handling) on an adapter. */
  prepareAdapter(adapter: BotAdapter): void;
  /** The bot's turn logic: run it through `adapter.runMiddleware(context, botLogic)` style processing. */
  readonly botLogic: (context: TurnContext) => Promise<void>;
}
