import { createHash, timingSafeEqual } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { type Clock, systemClock } from '../clock';
import type { Stores } from '../storage/ports';
import { splitConversationKey } from '../handoff/referral-service';
import { eraseConversation } from './erase-conversation';

/** E.164 for any valid number ("+86 138-1234-5678" and "+8613812345678" are the same), else the text as given. */
function normalisedPhone(phone: string): string {
  return parsePhoneNumberFromString(phone.normalize('NFKC'))?.number ?? phone;
}

/** Constant-time: digests have equal length whatever was typed, so timing tells nothing about the stored number. */
export function samePhone(stored: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(normalisedPhone(value), 'utf8').digest();
  return timingSafeEqual(digest(stored), digest(given));
}

/** Compared against when the reference is unknown, so "no such reference" and "wrong phone" take the same work. */
const noPhone = '+00000000000';

/**
 * "Delete my data" for a referral sent from another conversation (a page reload, another device): the person
 * proves it is theirs with its reference AND the phone number they gave (already E.164 from the hand-off's
 * parser). On a match the whole conversation it came from is erased, as "delete my data" there would have.
 * Returns false, erasing nothing, when either does not match; the caller must not say which.
 */
export async function eraseReferralByReference(
  stores: Pick<Stores, 'referrals' | 'botState' | 'audit' | 'conversationLogs'>,
  reference: string,
  phone: string,
  clock: Clock = systemClock,
): Promise<boolean> {
  const summary = await stores.referrals.getByReference(reference);
  const referral = summary ? await stores.referrals.get(summary.id) : undefined;
  const matches = samePhone(referral?.contact.phone ?? noPhone, phone);
  if (!referral || !matches) return false;
  const { conversationKey } = referral;
  const { namespace, conversationId } = splitConversationKey(conversationKey);
  // That conversation's state: `<namespace>/conversations/<id>` (botbuilder's key), with or without a trailing slash.
  const statePrefix = namespace ? `${namespace}/conversations/${conversationId}` : undefined;
  // The referral itself first: it is what the person asked for, whatever its conversation key looks like.
  await stores.referrals.delete(referral.id);
  await stores.audit.record({ actor: 'person', action: 'referral.delete', referralId: referral.id, detail: 'by=reference+phone', at: clock.now() });
  if (statePrefix) await stores.botState.deleteKeysWithPrefix(`${statePrefix}/`);
  await eraseConversation(stores, conversationKey, statePrefix ? [statePrefix] : [], clock);
  return true;
}
