import type { Activity, TurnContext } from 'botbuilder';
import { guessLocaleFromText, type Locale, negotiateLocale } from '../../i18n/locales';
import type { Translate } from '../../i18n/translator';
import type { WeChatInbound } from './inbound-message';
import { clickCommand } from './menu';
import { renderReply } from './render';
import type { QuotaTrigger, ReplyQuota } from './reply-quota';
import { inboundToActivity, type WeChatAdapter } from './wechat-adapter';

export interface WeChatTurnRunnerOptions {
  adapter: WeChatAdapter;
  botLogic: (context: TurnContext) => Promise<void>;
  quota: ReplyQuota;
  /** WECHAT_MENU_LANGUAGE: the language of activities (WeChat does not say) and of channel-level messages. */
  locale: Locale;
  translate: (locale: Locale) => Translate;
}

function quotaTrigger(inbound: WeChatInbound): QuotaTrigger {
  return inbound.kind === 'text' || inbound.kind === 'voice' ? 'message' : 'event';
}

/**
 * One WeChat push through the bot: activity in, WeChat text messages out. Choices are shown as numbered lines;
 * a typed number goes to the bot as typed and picks a choice of the question the bot has open (interpretTurn
 * reads it against the same OpenQuestion the prompt published), so the channel keeps no memory of its own.
 */
export function createWeChatTurnRunner(options: WeChatTurnRunnerOptions): (inbound: WeChatInbound) => Promise<string[]> {
  const { adapter, botLogic, quota, locale, translate } = options;
  const channelText = (key: string) => translate(locale)(`channels:wechat.${key}`);
  const chooseHint = (activity: Partial<Activity>) => {
    const activityLocale = (activity.text ? guessLocaleFromText(activity.text) : undefined) ?? negotiateLocale(activity.locale) ?? locale;
    return translate(activityLocale)('channels:wechat.chooseHint');
  };

  return async (inbound) => {
    if (inbound.kind !== 'unsubscribe') await quota.grant(inbound.openId, quotaTrigger(inbound));
    if (inbound.kind === 'unsupported') return inbound.msgType.startsWith('event:') ? [] : [channelText('unsupportedMessage')];
    if (inbound.kind === 'voice' && !inbound.recognition?.trim()) return [channelText('voiceNotRecognised')];

    const activity = inboundToActivity(inbound, {
      locale,
      ...(inbound.kind === 'click' ? { click: clickCommand(inbound.eventKey, translate(locale)) } : {}),
    });
    if (!activity) return [];
    const outbound = await adapter.processActivity(activity, botLogic);
    // After unfollowing, the person can no longer receive anything.
    if (inbound.kind === 'unsubscribe') return [];
    return renderReply(outbound, chooseHint).messages;
  };
}
