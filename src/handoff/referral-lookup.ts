import type { TurnContext } from 'botbuilder';
import type { Clock } from '../clock';
import { ReferralLookupLimitError } from '../errors/domain-errors';
import { clientAddressOf, createFixedWindowRateLimiter } from '../http/rate-limit';
import type { Logger } from '../logger';
import type { ReferralSummary, Stores } from '../storage/ports';
import { eraseReferralByReference } from '../privacy/erase-by-reference';

/** The limits read a turn's conversation (through `conversationKeyOf`) and its client address (turn state). */
export type LookupTurn = TurnContext;

export interface ReferralLookupLimits {
  /** Lookups one conversation may make per window. */
  perConversation: number;
  /** Lookups one client address (Direct Line knows it) may make per window, across its conversations. */
  perClientAddress: number;
  windowMs: number;
}

/**
 * References are 5 characters: a conversation may look up only a few per hour, so they cannot be guessed. A new
 * conversation costs a Direct Line client one token request, so lookups are also counted per client address
 * where the channel knows it; enough for a clinic's shared Wi-Fi, not for guessing.
 */
export const defaultReferralLookupLimits: ReferralLookupLimits = { perConversation: 10, perClientAddress: 30, windowMs: 60 * 60 * 1000 };

export interface ReferralLookupOptions {
  stores: Pick<Stores, 'referrals' | 'botState' | 'audit' | 'conversationLogs'>;
  clock: Clock;
  logger: Logger;
  conversationKeyOf: (context: LookupTurn) => string;
  limits?: ReferralLookupLimits;
  /** Wraps each storage call (the app logs and counts failures); by default the call runs as is. */
  observe?: <T>(operation: 'find_referral' | 'erase_by_reference', run: () => Promise<T>) => Promise<T>;
}

export interface ReferralLookup {
  /** Counts one lookup for the turn; throws `ReferralLookupLimitError` when the conversation or its address spent theirs. */
  count: (context: LookupTurn) => void;
  /** "Check my referral": the referral's status by reference, counted against the limits. */
  find(reference: string, context: LookupTurn): Promise<ReferralSummary | undefined>;
  /** "Delete my data" for a referral from another conversation (reference and phone), counted against the same limits. */
  eraseByReference(reference: string, phone: string, context: LookupTurn): Promise<boolean>;
}

/** Looking up and erasing by reference share one budget per conversation and per client address (in memory, per instance). */
export function createReferralLookup({ stores, clock, logger, conversationKeyOf, limits = defaultReferralLookupLimits, observe = (_operation, run) => run() }: ReferralLookupOptions): ReferralLookup {
  const byConversation = createFixedWindowRateLimiter({ limit: limits.perConversation, windowMs: limits.windowMs });
  const byClientAddress = createFixedWindowRateLimiter({ limit: limits.perClientAddress, windowMs: limits.windowMs });

  const count = (context: LookupTurn): void => {
    const now = clock.now();
    const address = clientAddressOf(context);
    const conversationAllowed = byConversation.hit(conversationKeyOf(context), now).allowed;
    const addressAllowed = address === undefined || byClientAddress.hit(address, now).allowed;
    if (conversationAllowed && addressAllowed) return;
    const spentBy = addressAllowed ? 'conversation' : 'client_address';
    logger.warn(`referral lookups limited for ${addressAllowed ? 'a conversation' : 'a client address'}`, { channel: context.activity.channelId, code: 'referral_lookup_limit' });
    throw new ReferralLookupLimitError(spentBy);
  };

  return {
    count,
    async find(reference, context) {
      count(context);
      return observe('find_referral', () => stores.referrals.getByReference(reference));
    },
    async eraseByReference(reference, phone, context) {
      count(context);
      return observe('erase_by_reference', () => eraseReferralByReference(stores, reference, phone, clock));
    },
  };
}
