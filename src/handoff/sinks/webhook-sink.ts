import { createHmac } from 'node:crypto';
import type { Referral } from '../../storage/ports';
import { buildFullRecord, buildStaffNotification } from '../notification';
import { postAndClassify } from './http-post';
import type { Sink } from './sink';

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  /** HANDOFF_WEBHOOK_INCLUDE_CONTACT: the hospital's own system may receive the full record. */
  includeContact: boolean;
  publicBaseUrl: string;
  timeoutMs?: number;
}

/** `sha256=<hex>` over the exact bytes sent, as GitHub-style receivers verify it. */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function buildWebhookBody(referral: Referral, idempotencyKey: string, options: Pick<WebhookSinkOptions, 'includeContact' | 'publicBaseUrl'>): string {
  return JSON.stringify({
    event: 'referral.created',
    idempotencyKey,
    notification: buildStaffNotification(referral, options.publicBaseUrl),
    ...(options.includeContact ? { referral: buildFullRecord(referral) } : {}),
  });
}

/** The hospital's own endpoint: signed JSON, de-duplicated by the receiver on `X-Idempotency-Key`. */
export function createWebhookSink(options: WebhookSinkOptions): Sink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'webhook',
    async deliver(referral, idempotencyKey) {
      const body = buildWebhookBody(referral, idempotencyKey, options);
      return postAndClassify(options.url, body, { 'X-Signature-256': signWebhookBody(body, options.secret), 'X-Idempotency-Key': idempotencyKey, 'User-Agent': 'TrialGuide-Handoff/1' }, timeoutMs);
    },
  };
}
