import { type Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../../logger';
import type { CoordinatorChannel } from './coordinator-channel';

export interface TeamsMiddlewareDependencies {
  readonly coordinatorChannel: Pick<CoordinatorChannel, 'observe'>;
  readonly logger: Logger;
}

/** Teams adds a non-breaking space after the mention; `trim` does not count an entity. */
function tidy(text: string): string {
  return text.replace(/&nbsp;/g, ' ').trim();
}

/**
 * Teams-only groundwork, installed before the shared middleware so the safety net and the dialogs see what
 * the person typed: in channels the bot only receives messages that @mention it, and the mention
 * ("<at>TrialGuide</at> menu") would otherwise stop "menu" from matching a command or a choice.
 *
 * Team events (install, members joining) stop here: the greeting and the dialogs are for one-to-one chats,
 * and a team channel must not receive a patient greeting each time a colleague joins the team.
 */
export function createTeamsMiddleware(deps: TeamsMiddlewareDependencies): Middleware {
  return {
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
      const { activity } = context;
      if (activity.channelId !== 'msteams') {
        await next();
        return;
      }
      if (activity.type === 'message' && typeof activity.text === 'string') {
        if (activity.recipient?.id) TurnContext.removeRecipientMention(activity);
        activity.text = tidy(activity.text);
      }
      if (activity.type === 'conversationUpdate' || activity.type === 'installationUpdate') {
        const change = await deps.coordinatorChannel.observe(activity);
        if (change) deps.logger.debug('teams: install change', { kind: change.kind });
        if (activity.conversation?.conversationType === 'channel' || activity.type === 'installationUpdate') return;
      }
      await next();
    },
  };
}
