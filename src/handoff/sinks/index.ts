import type { AppConfig } from '../../config/load-config';
import { createEmailSink } from './email-sink';
import type { Sink, SinkName } from './sink';
import { createTeamsWebhookSink } from './teams-webhook-sink';
import { createWebhookSink } from './webhook-sink';
import { createWeComSink } from './wecom-sink';

export type { DeliveryOutcome, Sink, SinkName } from './sink';
export { sinkNames } from './sink';

export interface EnabledSinks {
  /** In a fixed order; what `createWithNotifications` receives. Empty when nothing is configured. */
  names: SinkName[];
  byName: ReadonlyMap<string, Sink>;
  /** Releases SMTP connections. */
  close(): void;
}

/** A sink is enabled by its configuration alone; load-config already insists on the secret / recipient. */
/** `extraSinks`: sinks built elsewhere (the Teams coordinators' channel needs the Bot Framework adapter). */
export function enabledSinks(config: AppConfig, options: { timeoutMs?: number; extraSinks?: readonly Sink[] } = {}): EnabledSinks {
  const env = config.env;
  const base = { publicBaseUrl: env.PUBLIC_BASE_URL, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  const sinks: Sink[] = [];
  const closers: Array<() => void> = [];
  if (env.HANDOFF_WEBHOOK_URL && env.HANDOFF_WEBHOOK_SECRET) {
    sinks.push(createWebhookSink({ ...base, url: env.HANDOFF_WEBHOOK_URL, secret: env.HANDOFF_WEBHOOK_SECRET, includeContact: env.HANDOFF_WEBHOOK_INCLUDE_CONTACT }));
  }
  if (env.SMTP_URL && env.HANDOFF_EMAIL_TO) {
    const email = createEmailSink({ ...base, smtpUrl: env.SMTP_URL, to: env.HANDOFF_EMAIL_TO, from: env.HANDOFF_EMAIL_FROM });
    sinks.push(email);
    closers.push(() => email.close());
  }
  if (env.WECOM_WEBHOOK_URL) sinks.push(createWeComSink({ ...base, url: env.WECOM_WEBHOOK_URL }));
  if (env.TEAMS_WEBHOOK_URL) sinks.push(createTeamsWebhookSink({ ...base, url: env.TEAMS_WEBHOOK_URL }));
  sinks.push(...(options.extraSinks ?? []));
  return {
    names: sinks.map((sink) => sink.name),
    byName: new Map(sinks.map((sink) => [sink.name, sink])),
    close: () => closers.forEach((close) => close()),
  };
}
