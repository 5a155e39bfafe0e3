import { type StaffNotification, buildStaffNotification, staffNotificationLines } from '../notification';
import { staffText } from '../staff-notification-text';
import { type PostResult, postAndClassify } from './http-post';
import { type DeliveryOutcome, type Sink, outcomeForHttpStatus } from './sink';

export interface TeamsWebhookSinkOptions {
  /** A Power Automate "Workflows" webhook URL (or a legacy incoming-webhook URL): the URL is the credential. */
  url: string;
  publicBaseUrl: string;
  timeoutMs?: number;
}

/** Adaptive Card 1.5 (the highest Teams renders), without contact details. */
export function buildTeamsCard(notification: StaffNotification): Record<string, unknown> {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: staffText.title, weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'FactSet', facts: staffNotificationLines(notification).map(([title, value]) => ({ title, value })) },
      { type: 'TextBlock', text: staffText.privacyNote, isSubtle: true, size: 'Small', wrap: true },
    ],
    actions: [{ type: 'Action.OpenUrl', title: staffText.open, url: notification.link }],
  };
}

/** The message envelope both Workflows and legacy incoming webhooks accept. */
export function buildTeamsMessage(notification: StaffNotification): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: buildTeamsCard(notification) }],
  };
}

/** Legacy incoming webhooks may answer 200 with "…returned HTTP error 429…" in the text: classify that code. */
function interpretTeams(result: PostResult): DeliveryOutcome | undefined {
  const embedded = /returned HTTP error (\d{3})/i.exec(result.text);
  return embedded?.[1] ? outcomeForHttpStatus(Number(embedded[1])) : undefined;
}

export function createTeamsWebhookSink(options: TeamsWebhookSinkOptions): Sink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'teams',
    async deliver(referral) {
      const body = JSON.stringify(buildTeamsMessage(buildStaffNotification(referral, options.publicBaseUrl)));
      return postAndClassify(options.url, body, {}, timeoutMs, interpretTeams);
    },
  };
}
