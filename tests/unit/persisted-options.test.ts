import { describe, expect, it } from 'vitest';
import { askOptionsSchema } from '../../dialogs/ask/ask-question-dialog';
import { eraseOptionsSchema } from '../../dialogs/data/erase-dialog';
import {
  handoffCollectOptionsSchema,
  handoffDraftOptionsSchema,
  handoffOptionsSchema,
  mainOptionsSchema,
  precheckOptionsSchema,
} from '../../dialogs/shared/persisted-options';

/** Options live in conversation state between turns: what an older version or a damaged row left must not break a turn. */
const damaged: unknown[] = [undefined, null, 'text', 42, [], true];

describe('persisted dialog options are checked when read back (the dialogs without a guard before)', () => {
  it('ask: a question handed on passes whole; a malformed one is as if none was typed', () => {
    const question = { text: 'what are the side effects?', interpretation: { kind: 'question', intent: 'side-effects', confidence: 0.9, alternatives: ['safety'] } };
    expect(askOptionsSchema.parse({ question })).toEqual({ question });
    expect(askOptionsSchema.parse({ question: { text: 'hi', interpretation: { kind: 'smallTalk' } } })).toEqual({ question: { text: 'hi', interpretation: { kind: 'smallTalk' } } });
    expect.hasAssertions();
    for (const stored of [...damaged, { question: 'side effects?' }, { question: { text: 'x', interpretation: { kind: 'command', command: 'menu' } } }, { question: { text: 'x', interpretation: { kind: 'question', intent: 3 } } }]) {
      expect(askOptionsSchema.parse(stored).question, JSON.stringify(stored)).toBeUndefined();
    }
  });

  it('erase: "asked again" only when it is true', () => {
    expect(eraseOptionsSchema.parse({ again: true })).toEqual({ again: true });
    expect.hasAssertions();
    for (const stored of [...damaged, { again: 'yes' }, { again: 1 }]) expect(eraseOptionsSchema.parse(stored).again, JSON.stringify(stored)).toBeUndefined();
  });

  it('main: each field falls back to absent on its own', () => {
    expect(mainOptionsSchema.parse({ greet: true, start: 'precheck', firstMessage: 'hello' })).toEqual({ greet: true, start: 'precheck', firstMessage: 'hello' });
    expect(mainOptionsSchema.parse({ greet: 'yes', start: 'precheck', chooseLanguage: 1 })).toEqual({ start: 'precheck' });
    // A field added to the options later passes through rather than being dropped on the way.
    expect(mainOptionsSchema.parse({ greet: true, addedLater: 'kept' })).toEqual({ greet: true, addedLater: 'kept' });
    expect.hasAssertions();
    for (const stored of damaged) expect(mainOptionsSchema.parse(stored), JSON.stringify(stored)).toEqual({});
  });

  it('pre-check: answers and history pass; malformed parts read as not answered yet', () => {
    const valid = { questionId: 'age', answers: { consent: 'yes' }, history: ['consent'] };
    expect(precheckOptionsSchema.parse(valid)).toEqual(valid);
    expect(precheckOptionsSchema.parse({ questionId: 'age', answers: { consent: 1 }, history: 'consent' })).toEqual({ questionId: 'age' });
    expect.hasAssertions();
    for (const stored of damaged) expect(precheckOptionsSchema.parse(stored), JSON.stringify(stored)).toEqual({});
  });

  it('hand-off: a draft that does not check out is refused whole (the dialog starts the hand-off again), never sent', () => {
    const draft = { name: 'Li Wei', phone: '+8613812345678', email: null, language: 'cantonese', relationship: 'family', hasPrecheck: false };
    expect(handoffDraftOptionsSchema.parse({ draft })).toEqual({ draft });
    expect(handoffCollectOptionsSchema.parse({ draft, items: ['name', 'phone'], index: 1, fromReview: false })).toEqual({ draft, items: ['name', 'phone'], index: 1, fromReview: false });
    expect.hasAssertions();
    for (const stored of [...damaged, { draft: { ...draft, phone: 8613812345678 } }, { draft: { ...draft, language: 'klingon' } }, { draft: { name: 'Li Wei' } }]) {
      expect(handoffDraftOptionsSchema.safeParse(stored).success, JSON.stringify(stored)).toBe(false);
    }
    for (const stored of [{ draft, items: ['name'], index: 1, fromReview: false }, { draft, items: [], index: 0, fromReview: false }, { draft, items: ['nickname'], index: 0, fromReview: false }, { draft, items: ['name'], index: 0 }]) {
      expect(handoffCollectOptionsSchema.safeParse(stored).success, JSON.stringify(stored)).toBe(false);
    }
    expect(handoffOptionsSchema.parse({ retentionDays: 365 })).toEqual({ retentionDays: 365 });
    expect(handoffOptionsSchema.parse({ retentionDays: '365' })).toEqual({});
  });
});
