import { buildStaffNotification, staffNotificationLines } from '../notification';
import { staffText } from '../staff-notification-text';
import { type PostResult, postAndClassify } from './http-post';
import type { DeliveryOutcome, Sink } from './sink';

export interface WeComSinkOptions {
  /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`: the key is the credential, never logged. */
  url: string;
  publicBaseUrl: string;
  timeoutMs?: number;
}

/** WeCom's documented limit for a group-robot markdown message. */
export const wecomMarkdownMaxBytes = 4096;
/** -1 system busy, 45009 rate limit (20/min per robot), 45033 concurrency: transient; others are request errors. */
const retryableErrcodes = new Set([-1, 45009, 45033]);

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const ellipsis = '…';
  let out = '';
  let bytes = Buffer.byteLength(ellipsis, 'utf8');
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out + ellipsis;
}

export function buildWeComMarkdown(notification: ReturnType<typeof buildStaffNotification>): string {
  const lines = staffNotificationLines(notification).map(([label, value]) => `> ${label}: <font color="comment">${value}</font>`);
  const content = [`### ${staffText.title}`, ...lines, '', `[${staffText.open}](${notification.link})`, staffText.privacyNote].join('\n');
  return truncateUtf8(content, wecomMarkdownMaxBytes);
}

function interpretWeCom(result: PostResult): DeliveryOutcome {
  let errcode: unknown;
  try {
    errcode = (JSON.parse(result.text) as { errcode?: unknown }).errcode;
  } catch {
    return { kind: 'retry', reason: 'WeCom answered without JSON' };
  }
  if (errcode === 0) return { kind: 'delivered' };
  if (typeof errcode !== 'number') return { kind: 'retry', reason: 'WeCom answered without errcode' };
  return retryableErrcodes.has(errcode) ? { kind: 'retry', reason: `WeCom errcode ${errcode}` } : { kind: 'permanent', reason: `WeCom errcode ${errcode}` };
}

/** WeCom group robot: markdown without contact details; WeCom answers HTTP 200 and reports errors in `errcode`. */
export function createWeComSink(options: WeComSinkOptions): Sink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'wecom',
    async deliver(referral) {
      const content = buildWeComMarkdown(buildStaffNotification(referral, options.publicBaseUrl));
      const body = JSON.stringify({ msgtype: 'markdown', markdown: { content } });
      return postAndClassify(options.url, body, {}, timeoutMs, interpretWeCom);
    },
  };
}
