import { z } from 'zod';
import { spokenLanguages } from '../handoff/handoff-choices';
import type { FollowUp } from './interpret-turn';

/**
 * Schemas for what dialogs keep in conversation state and read back on a later turn (their options): state
 * written by an older version, or damaged, must not break the turn. Each dialog's options schema falls back
 * field by field (`.catch`) to what the dialog does when the field is absent. Objects are loose: a field added to
 * a dialog's options later passes through unchecked rather than silently dropped.
 */
const questionInterpretationSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('question'), intent: z.string(), confidence: z.number(), alternatives: z.array(z.string()) }),
  z.looseObject({ kind: z.literal('smallTalk') }),
  z.looseObject({ kind: z.literal('outOfScope') }),
  z.looseObject({ kind: z.literal('unclear'), alternatives: z.array(z.string()), form: z.enum(['question', 'sentence', 'fragment']) }),
]);

/** A question typed earlier and handed on with its interpretation (the ask dialog, the main dialog). */
export const followUpSchema: z.ZodType<FollowUp> = z.looseObject({ text: z.string(), interpretation: questionInterpretationSchema });

/** An optional field that reads as absent when it is malformed. */
export function optionalField<T>(schema: z.ZodType<T>) {
  return schema.optional().catch(undefined);
}

/** The main dialog's options (MainOptions in dialogs/main/main-dialog.ts). */
export const mainOptionsSchema = z
  .looseObject({ greet: optionalField(z.boolean()), chooseLanguage: optionalField(z.boolean()), start: optionalField(z.string()), firstMessage: optionalField(z.string()) })
  .catch({});

/** The pre-check's options (PrecheckOptions in dialogs/precheck/precheck-dialog.ts): malformed parts read as not answered yet. */
export const precheckOptionsSchema = z
  .looseObject({ questionId: optionalField(z.string()), answers: optionalField(z.record(z.string(), z.string())), history: optionalField(z.array(z.string())) })
  .catch({});

const handoffDraftSchema = z.looseObject({
  name: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().nullable().optional(),
  bestTime: z.string().optional(),
  language: z.enum(spokenLanguages).optional(),
  relationship: z.enum(['self', 'family', 'other']).optional(),
  attachPrecheck: z.boolean().optional(),
  hasPrecheck: z.boolean(),
});

/**
 * The hand-off's draft (DraftOptions in dialogs/handoff/handoff-dialog.ts). No field-by-field fallback: contact
 * details that do not check out are never sent; the hand-off starts again at its consent question instead.
 */
export const handoffDraftOptionsSchema = z.looseObject({ draft: handoffDraftSchema });

/** The hand-off's item collection (CollectOptions): the draft, the items to ask and which one is being asked. */
export const handoffCollectOptionsSchema = z
  .looseObject({
    draft: handoffDraftSchema,
    items: z.array(z.enum(['name', 'phone', 'email', 'bestTime', 'language', 'relationship', 'precheck'])).min(1),
    index: z.number().int().min(0),
    fromReview: z.boolean(),
  })
  .refine((options) => options.index < options.items.length, { message: 'index past the last item' });

/** The hand-off's own options (HandoffOptions): a malformed retention reads as the site's. */
export const handoffOptionsSchema = z.looseObject({ retentionDays: optionalField(z.number().int().positive()) }).catch({});
