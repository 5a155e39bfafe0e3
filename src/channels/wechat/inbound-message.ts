/** What TrialGuide understands of a WeChat push, independent of HTTP and of Bot Framework. */
export type WeChatInbound =
  | (InboundBase & { kind: 'text'; text: string; msgId: string; bizMsgMenuId?: string })
  | (InboundBase & { kind: 'voice'; recognition?: string; msgId: string })
  | (InboundBase & { kind: 'subscribe' })
  | (InboundBase & { kind: 'unsubscribe' })
  | (InboundBase & { kind: 'click'; eventKey: string })
  /** Images, locations, menu VIEW events...: acknowledged, no turn. */
  | (InboundBase & { kind: 'unsupported'; msgType: string; msgId?: string });

interface InboundBase {
  /** The user's OpenID (FromUserName). */
  openId: string;
  /** The account's original id (ToUserName). */
  accountId: string;
  /** Seconds since the epoch, as WeChat sent it. */
  createTime: string;
}

export class WeChatMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeChatMessageError';
  }
}

/** Interprets the fields of a (decrypted) WeChat XML message; throws WeChatMessageError when required fields are missing. */
export function toInbound(fields: Readonly<Record<string, string>>): WeChatInbound {
  const openId = fields.FromUserName;
  const accountId = fields.ToUserName;
  const createTime = fields.CreateTime;
  const msgType = fields.MsgType;
  if (!openId || !accountId || !createTime || !/^\d{1,12}$/.test(createTime) || !msgType) {
    throw new WeChatMessageError('missing FromUserName, ToUserName, CreateTime or MsgType');
  }
  const base = { openId, accountId, createTime };
  const msgId = fields.MsgId || undefined;
  switch (msgType) {
    case 'text':
      if (!msgId) throw new WeChatMessageError('text message without MsgId');
      return { ...base, kind: 'text', text: fields.Content ?? '', msgId, ...(fields.bizmsgmenuid ? { bizMsgMenuId: fields.bizmsgmenuid } : {}) };
    case 'voice':
      if (!msgId) throw new WeChatMessageError('voice message without MsgId');
      return { ...base, kind: 'voice', msgId, ...(fields.Recognition ? { recognition: fields.Recognition } : {}) };
    case 'event': {
      const event = (fields.Event ?? '').toLowerCase();
      if (event === 'subscribe') return { ...base, kind: 'subscribe' };
      if (event === 'unsubscribe') return { ...base, kind: 'unsubscribe' };
      if (event === 'click' && fields.EventKey) return { ...base, kind: 'click', eventKey: fields.EventKey };
      return { ...base, kind: 'unsupported', msgType: `event:${event}` };
    }
    default:
      return { ...base, kind: 'unsupported', msgType, ...(msgId ? { msgId } : {}) };
  }
}

/** WeChat retries a push up to three times: messages are identified by MsgId, events by sender and time. */
export function deliveryKey(inbound: WeChatInbound): string {
  if ('msgId' in inbound && inbound.msgId) return `msg:${inbound.msgId}`;
  return `event:${inbound.openId}:${inbound.createTime}`;
}
