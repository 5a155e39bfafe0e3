import { type BotAdapter, ConversationState, type TurnContext, UserState } from 'botbuilder';
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
 * botbuilder's state, keyed by namespace instead of the bare channel id:
 * `${namespace}/conversations/${conversationId}/` and `${namespace}/users/${userId}/`.
 */
export class IngressConversationState extends ConversationState {
  override getStorageKey(context: TurnContext): string | undefined {
    const id = context.activity.conversation?.id;
    return id ? `${conversationNamespaceOf(context)}/conversations/${id}/` : undefined;
  }
}

export class IngressUserState extends UserState {
  override getStorageKey(context: TurnContext): string | undefined {
    const id = context.activity.from?.id;
    return id ? `${conversationNamespaceOf(context)}/users/${id}/` : undefined;
  }
}
