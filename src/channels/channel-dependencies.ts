import { type BotAdapter, type BotState, type CachedBotState, calculateChangeHash, ConversationState, type TurnContext, UserState } from 'botbuilder';
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

/**
 * The endpoint that received and authenticated a turn. An activity's `channelId` and ids are whatever the sender
 * wrote; the ingress is not: each adapter stamps its own name on the turns it runs, so state, referrals and
 * erasure can be keyed by who really vouched for the ids.
 */
export type Ingress = 'bot-framework' | 'directline' | 'wechat' | 'terminal';

const ingressKey = Symbol('trialguide.ingress');

/** Called by an ingress's adapter for every turn it runs (incoming and proactive), before any middleware. */
export function stampIngress(context: TurnContext, ingress: Ingress): void {
  context.turnState.set(ingressKey, ingress);
}

export function ingressOf(context: TurnContext): Ingress | undefined {
  return context.turnState.get<Ingress | undefined>(ingressKey);
}

/**
 * The one channel id each ingress stamps on every activity itself (directline-adapter.ts, wechat-adapter.ts,
 * scripts/chat.ts). The Bot Framework ingress owns none: Azure (or, with auth off, anyone) names the channel.
 */
const ownChannelIds: Record<Ingress, string | undefined> = { directline: 'directline', wechat: 'wechat', terminal: 'terminal', 'bot-framework': undefined };

/**
 * Where a turn's conversation lives: the channel id when the ingress that ran the turn owns that id (so Direct
 * Line and WeChat keys are the ones botbuilder has always used), otherwise `<ingress>:<channelId>`.
 * `/api/messages` posting channelId "wechat" therefore lands in `bot-framework:wechat`, never in a WeChat
 * person's state. Turns no ingress stamped (test adapters) get their own `unstamped:` space.
 */
export function conversationNamespaceOf(context: TurnContext): string {
  const ingress = ingressOf(context);
  const channelId = context.activity.channelId ?? '';
  if (ingress && ownChannelIds[ingress] === channelId) return channelId;
  return `${ingress ?? 'unstamped'}:${channelId}`;
}

/**
 * What a state looked like, to tell whether a turn changed it: its JSON without the eTag (botbuilder's own
 * calculateChangeHash, a sha256 of a replacer-driven stringify, for what JSON cannot write, e.g. a cycle).
 */
function changeHash(state: Record<string, unknown>): string {
  const { eTag: _eTag, ...rest } = state;
  try {
    return JSON.stringify(rest);
  } catch {
    return `sha256:${calculateChangeHash(state)}`;
  }
}

/**
 * botbuilder's BotState hashes the whole state three times a turn (on load, to compare at save, again after the
 * write), each a replacer-driven stringify and a sha256: ~3% of a turn's CPU under load (issue 11). Here it is
 * one JSON.stringify at load and one at save, whose result also stands for the state once written (the write
 * only sets the eTag, which the hash leaves out). Same writes as before: state the turn did not change is not
 * written. Every public method that touches the turn's cached state (load, saveChanges, clear, delete, get) is
 * overridden, over a cache entry of this class's own, so nothing depends on BotState's private fields.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's constructor must take any[] (TS2545)
function hashingOnce<Base extends new (...args: any[]) => BotState>(base: Base) {
  return class extends base {
    private readonly turnCacheKey = Symbol('trialguide.state');

    private cached(context: TurnContext): CachedBotState | undefined {
      return context.turnState.get<CachedBotState | undefined>(this.turnCacheKey);
    }

    override async load(context: TurnContext, force = false): Promise<Record<string, unknown>> {
      const cached = this.cached(context);
      if (!force && cached?.state) return cached.state;
      const key = await this.storageKey(context);
      const items = await this.storage.read([key]);
      const state = (items[key] ?? {}) as Record<string, unknown>;
      context.turnState.set(this.turnCacheKey, { state, hash: changeHash(state) } satisfies CachedBotState);
      return state;
    }

    override async saveChanges(context: TurnContext, force = false): Promise<void> {
      const cached = this.cached(context) ?? (force ? { state: {}, hash: '' } : undefined);
      if (!cached) return;
      const hash = changeHash(cached.state);
      if (!force && hash === cached.hash) return;
      const key = await this.storageKey(context);
      (cached.state as Record<string, unknown>).eTag = '*';
      await this.storage.write({ [key]: cached.state });
      cached.hash = hash;
      context.turnState.set(this.turnCacheKey, cached);
    }

    /** An empty state and an empty hash, so the next save writes it. */
    override clear(context: TurnContext): Promise<void> {
      context.turnState.set(this.turnCacheKey, { state: {}, hash: '' } satisfies CachedBotState);
      return Promise.resolve();
    }

    override async delete(context: TurnContext): Promise<void> {
      context.turnState.delete(this.turnCacheKey);
      const key = await this.storageKey(context);
      await this.storage.delete([key]);
    }

    override get(context: TurnContext): Record<string, unknown> | undefined {
      const cached = this.cached(context);
      return typeof cached === 'object' && typeof cached.state === 'object' ? cached.state : undefined;
    }
  };
}

/**
 * botbuilder's state, keyed by namespace instead of the bare channel id:
 * `${namespace}/conversations/${conversationId}/` and `${namespace}/users/${userId}/`.
 */
export class IngressConversationState extends hashingOnce(ConversationState) {
  override getStorageKey(context: TurnContext): string | undefined {
    const id = context.activity.conversation?.id;
    return id ? `${conversationNamespaceOf(context)}/conversations/${id}/` : undefined;
  }
}

export class IngressUserState extends hashingOnce(UserState) {
  override getStorageKey(context: TurnContext): string | undefined {
    const id = context.activity.from?.id;
    return id ? `${conversationNamespaceOf(context)}/users/${id}/` : undefined;
  }
}
