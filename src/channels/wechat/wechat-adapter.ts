import { type Activity, ActivityTypes, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';
import { channelLocaleTags, type Locale } from '../../i18n/locales';
import { stampIngress } from '../channel-dependencies';
import type { WeChatInbound } from './inbound-message';
import type { ClickCommand } from './menu';

export const wechatChannelId = 'wechat';

/** The event the bot receives when a person unfollows the account: it erases their data. */
export const eraseEventName = 'trialguide.erase';

/** WeChat does not tell us the person's language: the account's configured language stands in for it. */
export function activityLocaleFor(locale: Locale): string {
  return channelLocaleTags[locale];
}

export interface InboundActivityOptions {
  locale: Locale;
  /** The text to use for a text message (e.g. a typed number replaced by the choice it picks). */
  text?: string;
  /** What a menu click means; clicks without it are not turned into activities. */
  click?: ClickCommand;
}

/**
 * A WeChat push as a Bot Framework activity. The OpenID is both the user id and the conversation id: an
 * Official Account conversation is always one person with the account.
 */
export function inboundToActivity(inbound: WeChatInbound, options: InboundActivityOptions): Partial<Activity> | undefined {
  const base: Partial<Activity> = {
    channelId: wechatChannelId,
    serviceUrl: '',
    from: { id: inbound.openId, name: '', role: 'user' },
    recipient: { id: inbound.accountId, name: '', role: 'bot' },
    conversation: { id: inbound.openId, isGroup: false, conversationType: 'personal', name: '' },
    timestamp: new Date(Number(inbound.createTime) * 1000),
    locale: activityLocaleFor(options.locale),
  };
  switch (inbound.kind) {
    case 'text':
      return {
        ...base,
        type: ActivityTypes.Message,
        id: inbound.msgId,
        text: options.text ?? inbound.text,
        channelData: { msgType: 'text', ...(inbound.bizMsgMenuId ? { bizMsgMenuId: inbound.bizMsgMenuId } : {}) },
      };
    case 'voice':
      return { ...base, type: ActivityTypes.Message, id: inbound.msgId, text: inbound.recognition ?? '', channelData: { msgType: 'voice' } };
    case 'subscribe':
      return { ...base, type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: inbound.openId, name: '' }], channelData: { msgType: 'event', event: 'subscribe' } };
    case 'unsubscribe':
      return { ...base, type: ActivityTypes.Event, name: eraseEventName, channelData: { msgType: 'event', event: 'unsubscribe' } };
    case 'click':
      if (!options.click) return undefined;
      return {
        ...base,
        type: ActivityTypes.Message,
        text: options.click.text,
        value: { command: options.click.command },
        channelData: { msgType: 'event', event: 'CLICK', eventKey: inbound.eventKey },
      };
    case 'unsupported':
      return undefined;
  }
}

const collectorKey = Symbol('wechat.outbound');

/** Sends activities produced outside a WeChat request (proactive messages) through the customer-service API. */
export type ProactiveSender = (conversationId: string, activities: Partial<Activity>[]) => Promise<void>;

/**
 * WeChat is request/response: a turn's outbound activities are collected and handed back to the caller,
 * which decides between the passive reply and the customer-service API.
 */
export class WeChatAdapter extends BotAdapter {
  private sequence = 0;

  constructor(private readonly sendProactive: ProactiveSender) {
    super();
  }

  /** Runs one turn through the middleware and the bot; resolves with what the bot sent. */
  async processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<Partial<Activity>[]> {
    const context = new TurnContext(this, activity);
    const outbound: Partial<Activity>[] = [];
    context.turnState.set(collectorKey, outbound);
    await this.runMiddleware(context, logic);
    return outbound;
  }

  /** Every turn this adapter runs is the WeChat ingress's (state and erasure are keyed by it). */
  protected override async runMiddleware(context: TurnContext, next: (revocableContext: TurnContext) => Promise<void>): Promise<void> {
    stampIngress(context, 'wechat');
    await super.runMiddleware(context, next);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const outbound = context.turnState.get<Partial<Activity>[] | undefined>(collectorKey);
    const responses = activities.map(() => ({ id: `wechat-${Date.now().toString(36)}-${(this.sequence += 1).toString(36)}` }));
    const messages = activities.filter((activity) => (activity.type ?? 'message') === 'message');
    if (outbound) outbound.push(...messages);
    else if (messages.length > 0) await this.sendProactive(context.activity.conversation?.id ?? '', messages);
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new Error('WeChat messages cannot be edited');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('WeChat messages cannot be deleted');
  }

  /** Proactive turns: whatever the logic sends goes out through the customer-service API. */
  override async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }
}
