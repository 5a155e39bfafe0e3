import type { TurnContext } from 'botbuilder';
import { type Clock, systemClock } from '../clock';
import { splitConversationKey } from '../handoff/referral-service';
import type { Stores } from '../storage/ports';

export type ErasureStores = Pick<Stores, 'referrals' | 'botState' | 'audit' | 'conversationLogs'>;

export interface ErasureResult {
  referrals: number;
  stateKeys: number;
}

/**
 * "Delete my data": the conversation's referrals with their pending notifications, its Direct Line history and
 * the given bot state keys. The audit row says what was erased, not whose: the conversation key holds channel
 * user ids, so only the channel name is kept.
 */
export async function eraseConversation(stores: ErasureStores, conversationKey: string, botStateKeys: readonly string[], clock: Clock = systemClock): Promise<ErasureResult> {
  const { namespace, conversationId } = splitConversationKey(conversationKey);
  const referrals = await stores.referrals.deleteByConversation(conversationKey);
  if (botStateKeys.length > 0) await stores.botState.delete([...botStateKeys]);
  // Only a conversation the Direct Line endpoint ran has a Direct Line history; the same id claimed through
  // another ingress ("bot-framework:directline/…") must not reach someone else's.
  if (namespace === 'directline') await stores.conversationLogs.deleteConversation(conversationId);
  const channel = namespace || 'unknown';
  await stores.audit.record({ actor: 'person', action: 'conversation.erase', detail: `channel=${channel} referrals=${referrals} stateKeys=${botStateKeys.length}`, at: clock.now() });
  return { referrals, stateKeys: botStateKeys.length };
}

/** A bot state (conversation or user) as erasure sees it: where the turn's copy is stored, and how to drop the cached copy. */
export interface ErasableState {
  getStorageKey(context: TurnContext): string | undefined;
  delete(context: TurnContext): Promise<void>;
}

export interface ConversationEraserOptions {
  stores: ErasureStores;
  /** The conversation's and the person's state (their stored rows are erased, and the turn's cached copies dropped). */
  states: readonly ErasableState[];
  conversationKeyOf: (context: TurnContext) => string;
  clock: Clock;
  /** Marks the turn as erased so the bot writes nothing back at the end of it. */
  markErased: (context: TurnContext) => void;
  /** Wraps the storage work (the app logs and counts failures); by default it runs as is. */
  observe?: <T>(run: () => Promise<T>) => Promise<T>;
}

/**
 * "Delete my data" for the turn's own conversation: stored state, referrals and notifications, the Direct Line
 * history; then the turn's cached state, so nothing of it is written back. What the dialogs call.
 */
export function createConversationEraser({ stores, states, conversationKeyOf, clock, markErased, observe = (run) => run() }: ConversationEraserOptions): (context: TurnContext) => Promise<{ referrals: number }> {
  return async (context) => {
    const stateKeys = states.map((state) => state.getStorageKey(context)).filter((key): key is string => Boolean(key));
    const result = await observe(() => eraseConversation(stores, conversationKeyOf(context), stateKeys, clock));
    for (const state of states) await state.delete(context);
    markErased(context);
    return { referrals: result.referrals };
  };
}
