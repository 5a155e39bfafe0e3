import type { TurnContext } from 'botbuilder';
import { ingressOf } from '../channels/channel-dependencies';
import { isLocale } from '../i18n/locales';

/**
 * Label values come only from fixed sets or from identifiers in our own content (safety categories, topic ids),
 * never from what a person typed: a label is kept by Prometheus for as long as the series lives, outside any
 * erasure or retention rule. Anything unexpected becomes `other`.
 */
export const otherLabel = 'other';

/**
 * Channels a turn can name. `activity.channelId` is chosen by the caller on unauthenticated rigs, so it is
 * mapped onto this list rather than copied.
 */
const knownChannels = new Set(['directline', 'webchat', 'wechat', 'msteams', 'emulator', 'terminal', 'test']);
/** What Azure (or the Emulator) names on /api/messages; "wechat" or "terminal" there is somebody pretending. */
const botFrameworkChannels = new Set(['msteams', 'webchat', 'directline', 'emulator', 'test']);

export function channelLabel(channel: string | undefined): string {
  return channel !== undefined && knownChannels.has(channel) ? channel : otherLabel;
}

/** The endpoint that ran the turn decides for Direct Line, WeChat and the terminal; Bot Framework turns name their channel. */
export function channelOfTurn(context: TurnContext): string {
  const ingress = ingressOf(context);
  if (ingress === 'directline' || ingress === 'wechat' || ingress === 'terminal') return ingress;
  const channel = context.activity.channelId;
  return channel !== undefined && botFrameworkChannels.has(channel) ? channel : otherLabel;
}

export function localeLabel(locale: string | undefined): string {
  return isLocale(locale) ? locale : 'unknown';
}

/**
 * A set of identifiers from our own content (lexicon categories, topic ids): kept as they are while they look
 * like identifiers and the set stays small, so a content change can never open an unbounded number of series.
 */
export function boundedIdentifierLabel(maxValues: number): (value: string | undefined) => string {
  const seen = new Set<string>();
  return (value) => {
    if (value === undefined || !/^[a-z][a-zA-Z0-9_.-]{0,47}$/.test(value)) return otherLabel;
    if (seen.has(value)) return value;
    if (seen.size >= maxValues) return otherLabel;
    seen.add(value);
    return value;
  };
}

/** One of a fixed list of values, or `other`. */
export function oneOf<T extends string>(allowed: readonly T[]): (value: string | undefined) => T | typeof otherLabel {
  const set = new Set<string>(allowed);
  return (value) => (value !== undefined && set.has(value) ? (value as T) : otherLabel);
}
