import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { NewReferral, Referral, Stores } from '../storage/ports';

export interface ReferralServiceDependencies {
  stores: Pick<Stores, 'referrals'>;
  /** `enabledSinks(config).names`: one outbox row per enabled sink. */
  sinkNames: readonly string[];
  clock: Clock;
  logger: Logger;
  worker?: { nudge(): void };
  /** Called when storing failed, e.g. to probe storage at once so /readyz reflects it. */
  onStorageFailure?: () => void;
}

/**
 * Stores the referral and its notifications in one transaction. The dialog may confirm to the person only
 * after this resolves: from then on the referral survives a crash and the worker will deliver it.
 */
export async function createReferral(deps: ReferralServiceDependencies, input: NewReferral): Promise<Referral> {
  let referral: Referral;
  try {
    referral = await deps.stores.referrals.createWithNotifications(input, deps.sinkNames, deps.clock.now());
  } catch (error) {
    // The person hears that nothing was saved and gets the phone number; the operator hears why (no personal data).
    const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: unknown };
    deps.logger.error('referral NOT stored: the person was told and given the study team\'s phone', {
      channel: input.channel,
      error: `${name ?? 'Error'}: ${message ?? String(error)}`,
      ...(typeof code === 'string' ? { code } : {}),
    });
    deps.onStorageFailure?.();
    throw error;
  }
  deps.logger.info('referral created', { reference: referral.reference, channel: referral.channel, locale: referral.locale, sinks: deps.sinkNames.length });
  if (deps.sinkNames.length === 0) {
    deps.logger.warn('referral created with no hand-off sink configured: coordinators see it only through the coordinator API', { reference: referral.reference });
  }
  deps.worker?.nudge();
  return referral;
}

/** `<namespace>/<conversation id>` (src/app.ts conversationKeyOf) into its parts. */
export function splitConversationKey(conversationKey: string): { namespace: string; conversationId: string } {
  const separator = conversationKey.indexOf('/');
  return separator > 0 ? { namespace: conversationKey.slice(0, separator), conversationId: conversationKey.slice(separator + 1) } : { namespace: '', conversationId: conversationKey };
}
