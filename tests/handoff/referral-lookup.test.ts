import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReferralLookupLimitError } from '../../src/errors/domain-errors';
import { createReferralLookup, type LookupTurn } from '../../src/handoff/referral-lookup';
import { createReferral } from '../../src/handoff/referral-service';
import { clientAddressTurnStateKey } from '../../src/http/rate-limit';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { createCaptureLogger } from './support/capture-logger';
import { ManualClock, newReferral, pii, tempDataDir, testConfig } from './support/fixtures';

const hourMs = 60 * 60 * 1000;

/** A turn of `conversation`, from `address` when the channel knows one (Direct Line does). */
function turn(conversation: string, address?: string): LookupTurn {
  const turnState = new Map<unknown, unknown>();
  if (address) turnState.set(clientAddressTurnStateKey, address);
  return { activity: { channelId: 'directline', conversation: { id: conversation } }, turnState } as unknown as LookupTurn;
}

/** How many of `times` lookups went through before the first refusal, and the refusal. */
function countUntilRefused(count: (context: LookupTurn) => void, context: LookupTurn, times: number): { allowed: number; refusal?: unknown } {
  for (let allowed = 0; allowed < times; allowed += 1) {
    try {
      count(context);
    } catch (refusal) {
      return { allowed, refusal };
    }
  }
  return { allowed: times };
}

describe('referral lookups (src/handoff/referral-lookup.ts)', () => {
  let data: ReturnType<typeof tempDataDir>;
  let stores: Stores;
  let clock: ManualClock;
  const capture = createCaptureLogger();

  beforeEach(async () => {
    data = tempDataDir();
    stores = await createStores(testConfig({ DATA_DIR: data.dir }), capture.logger);
    clock = new ManualClock();
  });
  afterEach(async () => {
    await stores.close();
    data.remove();
  });

  const lookupFor = () => createReferralLookup({ stores, clock, logger: capture.logger, conversationKeyOf: (context) => `directline/${context.activity.conversation.id}` });

  it('allows 10 lookups per conversation an hour, then refuses with referral_lookup_limit; the next hour allows again', () => {
    const lookup = lookupFor();
    const first = countUntilRefused(lookup.count, turn('a'), 20);
    expect(first.allowed).toBe(10);
    expect(first.refusal).toBeInstanceOf(ReferralLookupLimitError);
    expect(first.refusal).toMatchObject({ code: 'referral_lookup_limit', spentBy: 'conversation' });
    // Another conversation has its own budget (no client address known: a channel that does not tell).
    expect(countUntilRefused(lookup.count, turn('b'), 20).allowed).toBe(10);
    clock.advance(hourMs);
    expect(countUntilRefused(lookup.count, turn('a'), 20).allowed).toBe(10);
  });

  it('allows 30 lookups per client address an hour across new conversations; another address is unaffected', () => {
    const lookup = lookupFor();
    let allowed = 0;
    let refusal: unknown;
    for (let conversation = 0; conversation < 10 && refusal === undefined; conversation += 1) {
      const result = countUntilRefused(lookup.count, turn(`c${conversation}`, '203.0.113.7'), 10);
      allowed += result.allowed;
      refusal = result.refusal;
    }
    expect(allowed).toBe(30);
    expect(refusal).toMatchObject({ code: 'referral_lookup_limit', spentBy: 'client_address' });
    expect(countUntilRefused(lookup.count, turn('fresh', '198.51.100.9'), 5).allowed).toBe(5);
    const warnings = capture.lines.filter((line) => line.includes('referral lookups limited'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join('\n')).not.toContain('203.0.113.7');
  });

  it('finds a referral by reference and erases by reference and phone, both counted against the same budget', async () => {
    const referral = await createReferral({ stores, sinkNames: [], clock, logger: capture.logger }, newReferral({ conversationKey: 'directline/earlier' }));
    const observed: string[] = [];
    const lookup = createReferralLookup({
      stores,
      clock,
      logger: capture.logger,
      conversationKeyOf: (context) => `directline/${context.activity.conversation.id}`,
      limits: { perConversation: 3, perClientAddress: 100, windowMs: hourMs },
      observe: (operation, run) => {
        observed.push(operation);
        return run();
      },
    });
    const context = turn('later');
    expect(await lookup.find(referral.reference, context)).toMatchObject({ reference: referral.reference, status: 'new' });
    expect(await lookup.eraseByReference(referral.reference, pii.phoneHk, context)).toBe(false);
    expect(await lookup.eraseByReference(referral.reference, pii.phone, context)).toBe(true);
    await expect(lookup.find(referral.reference, context)).rejects.toBeInstanceOf(ReferralLookupLimitError);
    expect(observed).toEqual(['find_referral', 'erase_by_reference', 'erase_by_reference']);
    expect(await stores.referrals.getByReference(referral.reference)).toBeUndefined();
  });
});
