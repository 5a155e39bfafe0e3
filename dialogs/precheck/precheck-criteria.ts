import { z } from 'zod';
import { contentFile, readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';

const sourceId = z.enum(['R1', 'R2', 'S1', 'S2', 'S3', 'G1', 'G2', 'G3', 'G4']);
const id = z.string().regex(/^[a-z0-9-]+$/);
const sources = z.array(sourceId).min(1);

const ageQuestion = z.object({
  id,
  kind: z.literal('age'),
  criterion: id,
  min: z.number().int().min(0),
  max: z.number().int().max(130),
  endsEarlyWhenNotFit: z.boolean().default(false),
  sources,
});

const yesNoQuestion = z.object({
  id,
  kind: z.literal('yes-no'),
  criterion: id.optional(),
  fitsWhen: z.enum(['yes', 'no']).optional(),
  flag: id.optional(),
  flagWhen: z.enum(['yes', 'no']).optional(),
  /** Asked only when the named question's answer fits (e.g. "did it stop working" after "which medicine"). */
  followUpOf: id.optional(),
  /**
   * About something that may be happening now (bleeding, blood pressure): the question, the reply to a flagged
   * answer and the outcome say what to do if it is happening now (`.now`, `.flaggedReply`, `outcome.urgentNow`).
   */
  saysWhatToDoNow: z.boolean().default(false),
  endsEarlyWhenNotFit: z.boolean().default(false),
  sources,
});

const medicineQuestion = z.object({
  id,
  kind: z.literal('medicine'),
  criterion: id,
  endsEarlyWhenNotFit: z.boolean().default(false),
  sources,
});

const questionSchema = z.discriminatedUnion('kind', [ageQuestion, yesNoQuestion, medicineQuestion]);

const precheckFileSchema = z.object({
  version: z.string().min(1),
  /** This many "not sure" answers on deciding criteria (and no criterion that does not fit) means "can't tell yet". */
  cannotTellWhenUnsureAtLeast: z.number().int().min(1),
  criteria: z.array(z.object({ id, sources, about: z.string() })).min(1),
  questions: z.array(questionSchema).min(1),
  /** What the study team checks that a chat cannot; 'likely' when FACTS.md does not confirm it for this study. */
  explainedNotAsked: z.array(z.object({ id, certainty: z.enum(['confirmed', 'likely']), sources, about: z.string() })),
  antiPd1Medicines: z.array(z.object({ id, sources, names: z.array(z.string().min(2)).min(1) })).min(1),
  /** Words that name the anti-PD-1 class without naming a medicine ("PD-1单抗"): count as "had one". */
  antiPd1Generic: z.array(z.string().min(2)).min(1),
  /**
   * Words that do not identify an anti-PD-1 medicine ("免疫治疗", "打免疫针": in mainland China also thymalfasin
   * and other immune "boosters"): alone they count as "not sure", never as an anti-PD-1 medicine.
   */
  ambiguousImmuneTerms: z.array(z.string().min(2)).min(1),
  /** Whole answers meaning "I had one, name not known" ("用过"). */
  hadUnnamedPhrases: z.array(z.string().min(2)),
  neverHadPhrases: z.array(z.string().min(2)).min(1),
});

/** content/precheck.json and its one schema (read through src/content/content-files.ts). */
export const precheckFile = contentFile('content/precheck.json', precheckFileSchema);

export type PrecheckQuestion = z.infer<typeof questionSchema>;
export type PrecheckCriteria = z.infer<typeof precheckFileSchema>;

/**
 * The pre-check criteria (content/precheck.json), validated at load: every question decides a known
 * criterion or raises a flag (never both, never neither), and a follow-up comes after the question it follows.
 */
export function loadPrecheckCriteria(data: unknown = readContentFile(projectRoot, precheckFile)): PrecheckCriteria {
  const parsed = precheckFileSchema.parse(data);
  const criterionIds = new Set(parsed.criteria.map((criterion) => criterion.id));
  const seen = new Set<string>();
  const fail = (message: string): never => {
    throw new Error(`content/precheck.json: ${message}`);
  };
  for (const question of parsed.questions) {
    if (seen.has(question.id)) fail(`question "${question.id}" appears twice`);
    const criterion = 'criterion' in question ? question.criterion : undefined;
    const flag = question.kind === 'yes-no' ? question.flag : undefined;
    if (criterion && !criterionIds.has(criterion)) fail(`question "${question.id}" decides unknown criterion "${criterion}"`);
    if (Boolean(criterion) === Boolean(flag)) fail(`question "${question.id}" must either decide a criterion or raise a flag`);
    if (question.kind === 'yes-no') {
      if (criterion && !question.fitsWhen) fail(`question "${question.id}" decides a criterion but has no "fitsWhen"`);
      if (flag && !question.flagWhen) fail(`question "${question.id}" raises a flag but has no "flagWhen"`);
      if (question.followUpOf && !seen.has(question.followUpOf)) fail(`question "${question.id}" follows "${question.followUpOf}", which must come before it`);
    }
    if (question.kind === 'yes-no' && question.saysWhatToDoNow && !flag) fail(`question "${question.id}" says what to do now but raises no flag`);
    if (question.kind === 'age' && question.min > question.max) fail(`question "${question.id}" has min above max`);
    seen.add(question.id);
  }
  for (const criterion of criterionIds) {
    if (!parsed.questions.some((question) => 'criterion' in question && question.criterion === criterion)) fail(`criterion "${criterion}" is never asked`);
  }
  return parsed;
}

export const precheckCriteria = loadPrecheckCriteria();
