import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

/**
 * The one way content is read (issue 11): every JSON file under content/ (and the site file) is named by a
 * ContentFile, its path under the project root and the ONE zod schema it must match, declared next to the code
 * that uses it; src/content/content-catalogue.ts lists them all (a test checks that every file under content/
 * has exactly one). Modules take the root (AppConfig.rootDir) and never compute paths from their own folder, so
 * the code may be compiled or bundled anywhere. A file that does not match stops the start with its name and
 * every problem.
 */
export interface ContentFile<T> {
  /** Relative to the project root, with forward slashes: 'content/topics.json'. */
  readonly path: string;
  readonly schema: z.ZodType<T>;
}

export function contentFile<T>(relativePath: string, schema: z.ZodType<T>): ContentFile<T> {
  return Object.freeze({ path: relativePath, schema });
}

/** Content that cannot be read or does not match its schema: a content bug, caught at start. */
export class InvalidContentError extends Error {
  override readonly name = 'InvalidContentError';
}

/** Reads one content file from the root and validates it with its schema. */
export function readContentFile<T>(rootDir: string, file: ContentFile<T>): T {
  return readJsonFile(path.resolve(rootDir, file.path), file.schema, file.path);
}

/** Reads and validates a JSON file at an absolute path (a site file outside content/, say); `label` names it in errors. */
export function readJsonFile<T>(absolutePath: string, schema: z.ZodType<T>, label: string = absolutePath): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(absolutePath, 'utf8'));
  } catch (error) {
    throw new InvalidContentError(`${label}: cannot read ${absolutePath} (${(error as Error).message})`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new InvalidContentError(`Invalid content ${label}:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
