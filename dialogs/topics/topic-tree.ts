import { z } from 'zod';
import topicData from '../../content/topics.json';

const topicSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(['confirmed', 'background', 'other-studies', 'unknown']),
  sources: z.array(z.enum(['R1', 'R2', 'S1', 'S2', 'S3', 'G1', 'G2', 'G3', 'G4'])),
  about: z.string(),
  children: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
});
const topicFileSchema = z.object({ version: z.string(), root: z.string(), topics: z.array(topicSchema) });

export type Topic = z.infer<typeof topicSchema> & { parent?: string };

/** The approved topic tree (content/topics.json), validated at load: every reference must name a topic. */
export function loadTopicTree(data: unknown = topicData): { root: string; version: string; topics: ReadonlyMap<string, Topic> } {
  const parsed = topicFileSchema.parse(data);
  const topics = new Map<string, Topic>(parsed.topics.map((topic) => [topic.id, { ...topic }]));
  for (const topic of topics.values()) {
    for (const reference of [...(topic.children ?? []), ...(topic.related ?? [])]) {
      if (!topics.has(reference)) throw new Error(`content/topics.json: topic "${topic.id}" refers to unknown topic "${reference}"`);
    }
    for (const child of topic.children ?? []) {
      const childTopic = topics.get(child);
      if (childTopic && !childTopic.parent) childTopic.parent = topic.id;
    }
  }
  if (!topics.has(parsed.root)) throw new Error(`content/topics.json: root "${parsed.root}" is not a topic`);
  return { root: parsed.root, version: parsed.version, topics };
}

export const topicTree = loadTopicTree();
