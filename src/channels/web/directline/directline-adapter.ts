import { randomBytes } from 'node:crypto';
import {
  type Activity,
  ActivityTypes,
  BotAdapter,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
  type ResourceResponse,
  TurnContext,
} from 'botbuilder';
import type { Clock } from '../../../clock';
import type { ConversationLogStore } from '../../../storage/ports';
import { stampIngress } from '../../channel-dependencies';
import type { DirectLineStreams } from './directline-streams';

/** botbuilder's ChoiceFactory renders suggested actions for this channel id. */
export const directLineChannelId = 'directline';

type BotLogic = (context: TurnContext) => Promise<void>;
/** botbuilder's ClaimsIdentity, named without importing botframework-connector (not a direct dependency). */
type AppIdOrIdentity = string | Parameters<BotAdapter['continueConversationAsync']>[0];

export interface DirectLineAdapterOptions {
  conversationLogs: ConversationLogStore;
  streams: DirectLineStreams;
  clock: Clock;
  /** The bot's account as clients see it in `from`. */
  bot: ChannelAccount;
  /** Stamped on activities; the endpoint's public base (e.g. https://host/v3/directline). */
  serviceUrl: string;
  /** Upper bound for a `delay` activity, in ms: a bot cannot park a request forever. */
  maxDelayMs?: number;
}

const conversationAccount = (id: string): ConversationAccount => ({ id, isGroup: false, conversationType: 'personal', name: '' });

export const newActivityId = (): string => randomBytes(12).toString('base64url');

/** Activities are stored and sent as plain JSON (dates as ISO strings, no undefined fields). */
const toJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Runs the app's bot in-process for the self-hosted Direct Line endpoint: user activities become turns,
 * and what the bot sends is appended to the conversation log (the history clients poll or stream from).
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly options: DirectLineAdapterOptions) {
    super();
  }

  get bot(): ChannelAccount {
    return this.options.bot;
  }

  /** What the channel owns on every activity, in either direction: id, time, channel, service URL, conversation. */
  private stamp(activity: Partial<Activity>, conversationId: string): Partial<Activity> {
    return {
      ...activity,
      id: newActivityId(),
      timestamp: this.options.clock.now(),
      channelId: directLineChannelId,
      serviceUrl: this.options.serviceUrl,
      conversation: conversationAccount(conversationId),
    };
  }

  /** Stamps an incoming activity, addressed to the bot. */
  stampIncoming(activity: Partial<Activity>, conversationId: string): Partial<Activity> {
    return { ...this.stamp(activity, conversationId), recipient: this.options.bot };
  }

  /** Appends to the history and wakes the conversation's sockets; returns the new watermark. */
  async publish(conversationId: string, activity: Partial<Activity>): Promise<number> {
    const watermark = await this.options.conversationLogs.append(conversationId, toJson(activity), this.options.clock.now());
    await this.options.streams.notify(conversationId);
    return watermark;
  }

  /** `turnState`: what the HTTP request knew that the activity must not carry (the client's address key). */
  async processActivity(activity: Partial<Activity>, logic: BotLogic, turnState?: ReadonlyMap<symbol, unknown>): Promise<void> {
    const context = new TurnContext(this, activity);
    for (const [key, value] of turnState ?? []) context.turnState.set(key, value);
    await this.runMiddleware(context, logic);
  }

  /** The first turn of a conversation: bot and user join, so the bot greets before the user types. */
  async startConversation(conversationId: string, user: ChannelAccount, locale: string | undefined, logic: BotLogic): Promise<void> {
    const update = this.stampIncoming(
      { type: ActivityTypes.ConversationUpdate, from: user, membersAdded: [this.options.bot, user], ...(locale ? { locale } : {}) },
      conversationId,
    );
    await this.processActivity(update, logic);
  }

  /** Every turn this adapter runs is the Direct Line ingress's (state and erasure are keyed by it). */
  protected override async runMiddleware(context: TurnContext, next: (revocableContext: TurnContext) => Promise<void>): Promise<void> {
    stampIngress(context, 'directline');
    await super.runMiddleware(context, next);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        const ms = Math.min(typeof activity.value === 'number' ? activity.value : 1000, this.options.maxDelayMs ?? 5000);
        await new Promise((resolve) => setTimeout(resolve, ms));
        responses.push({ id: '' });
        continue;
      }
      // Invoke responses belong to an HTTP reply this channel does not have; traces are for the Emulator.
      if (activity.type === ActivityTypes.InvokeResponse || activity.type === ActivityTypes.Trace) {
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation.id;
      const outgoing: Partial<Activity> = toJson({
        ...this.stamp(activity, conversationId),
        from: this.options.bot,
        recipient: activity.recipient ?? context.activity.from,
      });
      if (activity.type === ActivityTypes.Typing) this.options.streams.sendTyping(conversationId, outgoing);
      else await this.publish(conversationId, outgoing);
      responses.push({ id: outgoing.id ?? '' });
    }
    return responses;
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('The Direct Line channel does not support updating activities'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('The Direct Line channel does not support deleting activities'));
  }

  /** Proactive messages (e.g. a coordinator's follow-up) land in the conversation's history and streams. */
  override async continueConversation(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const event = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'ContinueConversation' }, reference, true);
    await this.processActivity(event, logic);
  }

  override async continueConversationAsync(
    _botAppIdOrIdentity: AppIdOrIdentity,
    reference: Partial<ConversationReference>,
    logicOrAudience: BotLogic | string,
    maybeLogic?: BotLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new TypeError('continueConversationAsync needs a logic callback');
    await this.continueConversation(reference, logic);
  }
}
