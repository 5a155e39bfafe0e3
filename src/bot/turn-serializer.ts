import type { Middleware, TurnContext } from 'botbuilder';

/**
 * Runs the turns of one conversation one at a time in this process. Bot state saves are last-writer-wins
 * (eTag '*'), so two overlapping turns (a double-tap, a channel retry) would overwrite each other's state.
 */
export class TurnSerializer implements Middleware {
  private readonly tails = new Map<string, Promise<void>>();

  /** `keyOf`: the conversation's storage identity (the composition root's ingress-aware key). */
  constructor(private readonly keyOf: (context: TurnContext) => string = (context) => `${context.activity.channelId}/${context.activity.conversation?.id ?? ''}`) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const key = this.keyOf(context);
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      await next();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
