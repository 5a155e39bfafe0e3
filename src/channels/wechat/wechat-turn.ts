import type { Activity, TurnContext } from 'botbuilder';
import type { Clock } from '../../clock';
import { guessLocaleFromText, type Locale, negotiateLocale } from '../../i18n/locales';
import type { Translate } from '../../i18n/translator';
import type { KeyValueStore } from '../../storage/ports';
import type { WeChatInbound } from './inbound-message';
import { clickCommand } from './menu';
import { type Choice, renderReply } from './render';
import type { QuotaTrigger, ReplyQuota } from './reply-quota';
import { inboundToActivity, type WeChatAdapter } from './wechat-adapter';

export interface WeChatTurnRunnerOptions {
  adapter: WeChatAdapter;
  botLogic: (context: TurnContext) => Promise<void>;
  keyValue: KeyValueStore;
  clock: Clock;
  quota: ReplyQuota;
  /** WECHAT_MENU_LANGUAGE: the language of activities (WeChat does not say) and of channel-level messages. */
  locale: Locale;
  translate: (locale: Locale) => Translate;
}

/** The last numbered choices shown to a person live as long as the customer-service window. */
const choicesMemoryMs = 48 * 60 * 60 * 1000;
const choicesKey = (openId: string) => `wechat:choices:${openId}`;
const fullWidthDigits = /[０-９]/g;

/** "2", "２", "2." or "2、" picks the second choice shown last. */
export function pickChoiceByNumber(text: string, choices: readonly Choice[]): Choice | undefined {
  const normalised = text.replace(fullWidthDigits, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0)).trim();
  const match = /^(\d{1,2})\s*[.。、)）]?$/.exec(normalised);
  if (!match) return undefined;
  return choices[Number(match[1]) - 1];
}

function quotaTrigger(inbound: WeChatInbound): QuotaTrigger {
  return inbound.kind === 'text' || inbound.kind === 'voice' ? 'message' : 'event';
}

/** One WeChat push through the bot: activity in, WeChat text messages out. */
export function createWeChatTurnRunner(options: WeChatTurnRunnerOptions): (inbound: WeChatInbound) => Promise<string[]> {
  const { adapter, botLogic, keyValue, clock, quota, locale, translate } = options;
  const channelText = (key: string) => translate(locale)(`channels:wechat.${key}`);
  const chooseHint = (activity: Partial<Activity>) => {
    const activityLocale = (activity.text ? guessLocaleFromText(activity.text) : undefined) ?? negotiateLocale(activity.locale) ?? locale;
    return translate(activityLocale)('channels:wechat.chooseHint');
  };

  async function textFor(inbound: Extract<WeChatInbound, { kind: 'text' }>): Promise<string> {
    const stored = await keyValue.get(choicesKey(inbound.openId), clock.now());
    if (!stored) return inbound.text;
    return pickChoiceByNumber(inbound.text, JSON.parse(stored) as Choice[])?.value ?? inbound.text;
  }

  async function rememberChoices(openId: string, choices: Choice[]): Promise<void> {
    if (choices.length === 0) await keyValue.delete(choicesKey(openId));
    else await keyValue.set(choicesKey(openId), JSON.stringify(choices), new Date(clock.now().getTime() + choicesMemoryMs));
  }

  return async (inbound) => {
    if (inbound.kind !== 'unsubscribe') await quota.grant(inbound.openId, quotaTrigger(inbound));
    if (inbound.kind === 'unsupported') return inbound.msgType.startsWith('event:') ? [] : [channelText('unsupportedMessage')];
    if (inbound.kind === 'voice' && !inbound.recognition?.trim()) return [channelText('voiceNotRecognised')];

    const activity = inboundToActivity(inbound, {
      locale,
      ...(inbound.kind === 'text' ? { text: await textFor(inbound) } : {}),
      ...(inbound.kind === 'click' ? { click: clickCommand(inbound.eventKey, translate(locale)) } : {}),
    });
    if (!activity) return [];
    const outbound = await adapter.processActivity(activity, botLogic);
    // After unfollowing, the person can no longer receive anything.
    if (inbound.kind === 'unsubscribe') return [];
    const reply = renderReply(outbound, chooseHint);
    await rememberChoices(inbound.openId, reply.choices);
    return reply.messages;
  };
}
