import { readContentFile } from '../../src/content/content-files';
import { projectRoot } from '../../src/content/project-root';
import { type TopicEntry, topicsFile } from '../../src/content/topics-file';

export type Topic = TopicEntry & { parent?: string };

/** The approved topic tree (content/topics.json under rootDir), validated at load: every reference must name a topic. */
export function loadTopicTree(rootDir: string): { root: string; version: string; topics: ReadonlyMap<string, Topic> } {
  const parsed = readContentFile(rootDir, topicsFile);
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

/** The tree of this project's content (the root found once from package.json). */
export const topicTree = loadTopicTree(projectRoot);
