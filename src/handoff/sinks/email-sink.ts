import nodemailer from 'nodemailer';
import { type StaffNotification, buildStaffNotification, staffNotificationLines } from '../notification';
import { staffText } from '../staff-notification-text';
import type { DeliveryOutcome, Sink } from './sink';

export interface EmailSinkOptions {
  /** smtp:// or smtps:// with credentials; never logged. */
  smtpUrl: string;
  to: string;
  from: string;
  publicBaseUrl: string;
  timeoutMs?: number;
}

export function buildEmailText(notification: StaffNotification): { subject: string; text: string } {
  const lines = staffNotificationLines(notification).map(([label, value]) => `${label}: ${value}`);
  return {
    subject: `${staffText.title}: ${notification.reference}`,
    text: [staffText.title, '', ...lines, '', `${staffText.open}:`, notification.link, '', staffText.privacyNote, ''].join('\n'),
  };
}

/**
 * SMTP reply codes decide: 5xx will not change on retry (bad recipient, refused sender, failed login);
 * 4xx and connection trouble will. Only codes reach the reason, never the server's text (it may echo addresses).
 */
export function outcomeForSmtpError(error: unknown): DeliveryOutcome {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  const label = [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? `SMTP ${responseCode}` : undefined].filter(Boolean).join(' ') || 'SMTP error';
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) return { kind: 'permanent', reason: label };
  return { kind: 'retry', reason: label };
}

/** Plain-text email without contact details. The Message-ID derives from the idempotency key, so a retried send is recognisably the same message. */
export function createEmailSink(options: EmailSinkOptions): Sink & { close(): void } {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport({ url: options.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    name: 'email',
    async deliver(referral, idempotencyKey) {
      const { subject, text } = buildEmailText(buildStaffNotification(referral, options.publicBaseUrl));
      try {
        await transport.sendMail({
          from: options.from,
          to: options.to,
          subject,
          text,
          messageId: `<${idempotencyKey.replace(/[^\w.-]/g, '')}@trialguide.handoff>`,
          headers: { 'X-Idempotency-Key': idempotencyKey },
        });
        return { kind: 'delivered' };
      } catch (error) {
        return outcomeForSmtpError(error);
      }
    },
    close() {
      transport.close();
    },
  };
}
