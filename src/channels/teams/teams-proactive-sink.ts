import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../../logger';
import { buildStaffNotification } from '../../handoff/notification';
import { type DeliveryOutcome, outcomeForHttpStatus } from '../../handoff/sinks/sink';
import { buildTeamsMessage } from '../../handoff/sinks/teams-webhook-sink';
import type { Referral } from '../../storage/ports';
import type { CoordinatorChannel } from './coordinator-channel';

/** Stored in outbox rows: keep it stable. It must be added to `sinkNames` in src/handoff/sinks/sink.ts. */
export const teamsChannelSinkName = 'teams-channel';

/**
 * Answers from the Bot Connector that mean the bot can no longer post in that conversation: the app was
 * removed from the team, or the channel is gone. The reference is useless after them.
 */
const goneCodes = new Set(['MessageWritesBlocked', 'BotNotInConversationRoster', 'ConversationNotFound']);

export interface TeamsProactiveSinkOptions {
  readonly adapter: Pick<CloudAdapter, 'continueConversationAsync'>;
  /** MicrosoftAppId; empty when auth is off (then the connector client sends no Authorization header). */
  readonly appId: string;
  readonly coordinatorChannel: Pick<CoordinatorChannel, 'get' | 'forget'>;
  readonly publicBaseUrl: string;
  readonly logger: Logger;
  /** The whole attempt, token fetch included. Default 30 s; the outbox lease (2 min) must exceed it. */
  readonly timeoutMs?: number;
}

/** A Sink (see src/handoff/sinks/sink.ts) once `teams-channel` is one of the SinkNames. */
export interface TeamsProactiveSink {
  readonly name: typeof teamsChannelSinkName;
  deliver(referral: Referral, idempotencyKey: string): Promise<DeliveryOutcome>;
}

interface ConnectorFailure {
  status?: number;
  code?: string;
}

/** The connector's RestError carries the status and Teams' `{error: {code}}` body; nothing else is kept. */
export function connectorFailureOf(error: unknown): ConnectorFailure {
  const candidate = error as { statusCode?: unknown; code?: unknown; response?: { status?: unknown; bodyAsText?: unknown; parsedBody?: unknown }; body?: unknown } | undefined;
  const statusValue = candidate?.statusCode ?? candidate?.response?.status;
  const status = typeof statusValue === 'number' ? statusValue : undefined;
  const bodies = [candidate?.response?.parsedBody, candidate?.body, candidate?.response?.bodyAsText];
  for (const body of bodies) {
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    const code = (parsed as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (typeof code === 'string') return { status, code };
  }
  return { status, code: typeof candidate?.code === 'string' ? candidate.code : undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return { unreadable: (error as Error).name };
  }
}

/** Only codes that name a condition are copied into the reason (it is stored and logged); messages never. */
function outcomeForFailure(failure: ConnectorFailure): DeliveryOutcome {
  const code = failure.code && /^[A-Za-z_]{2,64}$/.test(failure.code) ? failure.code : undefined;
  if (failure.status === undefined) return { kind: 'retry', reason: `connector error${code ? ` ${code}` : ''}` };
  const base = outcomeForHttpStatus(failure.status);
  return code && base.kind !== 'delivered' ? { ...base, reason: `${base.reason} ${code}` } : base;
}

function isGone(failure: ConnectorFailure): boolean {
  return (failure.status === 403 || failure.status === 404) && failure.code !== undefined && goneCodes.has(failure.code);
}

/**
 * Announces a new referral in the coordinators' Teams channel (stored when the app was installed there), as
 * the Adaptive Card the Teams webhook sink sends: reference, pre-check outcome, link — no contact details.
 */
export function createTeamsProactiveSink(options: TeamsProactiveSinkOptions): TeamsProactiveSink {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { adapter, appId, coordinatorChannel, logger } = options;

  async function attempt(reference: Parameters<typeof adapter.continueConversationAsync>[1], message: Record<string, unknown>): Promise<{ outcome: DeliveryOutcome; gone: boolean }> {
    let result: { outcome: DeliveryOutcome; gone: boolean } | undefined;
    // Failures are caught inside the turn: an error escaping it would reach the app's onTurnError, which
    // resets conversation state and posts the patient-facing "something went wrong" into the channel.
    const logic = async (context: TurnContext) => {
      // The continuation event has a random id; left there, sendActivity would "reply" to it
      // (POST …/activities/{id}) instead of starting a new post in the channel.
      context.activity.id = undefined;
      try {
        await context.sendActivity(message);
        result = { outcome: { kind: 'delivered' }, gone: false };
      } catch (error) {
        const failure = connectorFailureOf(error);
        result = { outcome: outcomeForFailure(failure), gone: isGone(failure) };
      }
    };
    try {
      await adapter.continueConversationAsync(appId, reference, logic);
    } catch (error) {
      // Before the turn: the connector or its token could not be created (network, identity provider).
      if (!result) result = { outcome: outcomeForFailure({ code: (error as Error).name }), gone: false };
    }
    return result ?? { outcome: { kind: 'retry', reason: 'the proactive turn did not run' }, gone: false };
  }

  return {
    name: teamsChannelSinkName,
    async deliver(referral) {
      const channel = await coordinatorChannel.get();
      if (!channel) return { kind: 'permanent', reason: 'no coordinators Teams channel: install the app in the coordinators team' };
      const message = buildTeamsMessage(buildStaffNotification(referral, options.publicBaseUrl));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<{ outcome: DeliveryOutcome; gone: boolean }>((resolve) => {
        timer = setTimeout(() => resolve({ outcome: { kind: 'retry', reason: 'timeout' }, gone: false }), timeoutMs);
      });
      try {
        const { outcome, gone } = await Promise.race([attempt(channel.reference, message), timedOut]);
        if (gone) {
          await coordinatorChannel.forget(channel.teamId);
          logger.warn('teams: the app can no longer post in the coordinators channel; reference forgotten', { reason: outcome.kind === 'delivered' ? '' : outcome.reason });
        }
        return outcome;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
