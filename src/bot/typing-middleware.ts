import { ActivityTypes, type Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../logger';

/**
 * "Typing…" while a turn runs longer than `delayMs`, repeated every `periodMs` until the turn ends. Unlike
 * botbuilder's ShowTypingMiddleware, a typing indicator that cannot be delivered (the channel refused, or the
 * turn ended while it was on its way) is only logged: it never reaches onTurnError with a finished turn's
 * context, which left an unhandled rejection behind (found by the /api/messages fuzz test).
 */
export function createTypingMiddleware(logger: Logger, delayMs = 500, periodMs = 2000): Middleware {
  return {
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
      if (context.activity.type !== (ActivityTypes.Message as string)) {
        await next();
        return;
      }
      const { adapter } = context;
      const typing = TurnContext.applyConversationReference({ type: ActivityTypes.Typing }, TurnContext.getConversationReference(context.activity));
      let finished = false;
      let timer: NodeJS.Timeout | undefined;
      const send = async (): Promise<void> => {
        if (finished) return;
        try {
          await adapter.sendActivities(context, [{ ...typing }]);
        } catch (error) {
          if (!finished) logger.debug('typing indicator not delivered', { code: (error as { code?: string }).code ?? (error as Error).name });
        }
        if (!finished) timer = setTimeout(() => void send(), periodMs);
      };
      timer = setTimeout(() => void send(), delayMs);
      try {
        await next();
      } finally {
        finished = true;
        clearTimeout(timer);
      }
    },
  };
}
