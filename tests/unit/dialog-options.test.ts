import { describe, expect, it } from 'vitest';
import { checkReferralOptionsSchema } from '../../dialogs/data/check-referral-dialog';
import { topicOptionsSchema } from '../../dialogs/topics/topic-dialog';

/** Dialog options live in conversation state between turns: what an older version or a damaged row left must not break a turn. */
describe('persisted dialog options are checked when read back', () => {
  it('topic options: valid ones pass unchanged; a malformed field or value falls back to the root topic', () => {
    expect(topicOptionsSchema.parse({ topicId: 'side-effects', showMore: true })).toEqual({ topicId: 'side-effects', showMore: true });
    expect(topicOptionsSchema.parse({ topicId: 'side-effects' })).toEqual({ topicId: 'side-effects' });
    expect.hasAssertions();
    for (const stored of [undefined, null, 'side-effects', 42, [], { topicId: 7 }, {}]) {
      expect(topicOptionsSchema.parse(stored).topicId, JSON.stringify(stored)).toBe('');
    }
    expect(topicOptionsSchema.parse({ topicId: 'side-effects', showMore: 'yes' })).toEqual({ topicId: 'side-effects' });
  });

  it('check-referral options: a typed reference passes; anything else is as if none was typed', () => {
    expect(checkReferralOptionsSchema.parse({ reference: 'TG-7K3Q9' })).toEqual({ reference: 'TG-7K3Q9' });
    expect.hasAssertions();
    for (const stored of [undefined, null, 'TG-7K3Q9', 12345, { reference: 12345 }, { reference: ['TG-7K3Q9'] }]) {
      expect(checkReferralOptionsSchema.parse(stored).reference, JSON.stringify(stored)).toBeUndefined();
    }
  });
});
