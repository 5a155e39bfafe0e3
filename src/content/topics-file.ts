import { z } from 'zod';
import { contentFile } from './content-files';

/** Where a topic's facts come from: rows of FACTS.md (the study's fact sheet). */
export const factSourceSchema = z.enum(['R1', 'R2', 'S1', 'S2', 'S3', 'G1', 'G2', 'G3', 'G4']);

const topicSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(['confirmed', 'background', 'other-studies', 'unknown']),
  sources: z.array(factSourceSchema),
  about: z.string(),
  children: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
});

export type TopicEntry = z.infer<typeof topicSchema>;

/**
 * content/topics.json, the approved topic tree: read by the topic dialog (dialogs/topics/topic-tree.ts, which
 * also checks every reference), the recognizer (its topic ids are intents) and the content export.
 */
export const topicsFile = contentFile('content/topics.json', z.object({ version: z.string(), root: z.string(), topics: z.array(topicSchema) }));
