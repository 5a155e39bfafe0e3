import type { PrecheckOutcome, Referral, ReferralSummary } from '../storage/ports';
import { staffText } from './staff-notification-text';

/**
 * What a coordinator is told about a new referral when the channel is not the hospital's own system:
 * enough to triage and to open the record, and nothing that identifies or reaches the person.
 */
export interface StaffNotification {
  referralId: string;
  reference: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  locale: string;
  channel: string;
  precheck: { outcome: PrecheckOutcome | 'not-done'; reasons: string[]; flags: string[]; criteriaVersion?: string };
  /** The coordinator API's record of this referral (bearer token required). */
  link: string;
}

export function referralLink(publicBaseUrl: string, referralId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/referrals/${encodeURIComponent(referralId)}`;
}

/** Takes a summary on purpose: a full `Referral` is accepted too, and its contact field is never read. */
export function buildStaffNotification(referral: ReferralSummary, publicBaseUrl: string): StaffNotification {
  const precheck = referral.precheck;
  return {
    referralId: referral.id,
    reference: referral.reference,
    createdAt: referral.createdAt.toISOString(),
    locale: referral.locale,
    channel: referral.channel,
    precheck: precheck
      ? { outcome: precheck.outcome, reasons: [...precheck.reasons], flags: [...precheck.flags], criteriaVersion: precheck.criteriaVersion }
      : { outcome: 'not-done', reasons: [], flags: [] },
    link: referralLink(publicBaseUrl, referral.id),
  };
}

/**
 * The full record for the hospital's own system (webhook with HANDOFF_WEBHOOK_INCLUDE_CONTACT=true).
 * `conversationKey` stays behind: it holds channel user ids (a WeChat openid) and only serves erasure.
 */
export function buildFullRecord(referral: Referral): Record<string, unknown> {
  return {
    id: referral.id,
    reference: referral.reference,
    status: referral.status,
    channel: referral.channel,
    locale: referral.locale,
    consentVersion: referral.consentVersion,
    contact: { ...referral.contact },
    precheck: referral.precheck ?? null,
    createdAt: referral.createdAt.toISOString(),
  };
}

/** Lines shared by the text renderings (email, WeCom); each is "label: value". */
export function staffNotificationLines(notification: StaffNotification): Array<[label: string, value: string]> {
  const list = (values: string[]) => (values.length > 0 ? values.join(', ') : staffText.none);
  const lines: Array<[string, string]> = [
    [staffText.reference, notification.reference],
    [staffText.created, notification.createdAt],
    [staffText.language, staffText.languages[notification.locale] ?? notification.locale],
    [staffText.channel, notification.channel],
    [staffText.precheck, staffText.outcomes[notification.precheck.outcome]],
  ];
  if (notification.precheck.outcome === 'probably-not') lines.push([staffText.reasons, list(notification.precheck.reasons)]);
  lines.push([staffText.flags, list(notification.precheck.flags)]);
  return lines;
}
