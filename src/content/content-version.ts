import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The content version: ONE hash over every word and rule the bot can say or apply, so an ethics approval, an
 * export and a referral can name exactly the wording a person saw.
 *
 * What it covers: every file under content/ and locales/ (paths sorted, each hashed with its path and bytes).
 * What it does not cover:
 * - content/approved.json, the record of approvals: approving a version must not change it;
 * - a site file outside content/ (SITE_CONFIG_PATH pointing elsewhere, as a hospital's own file should): its
 *   values (phone numbers, hours, the emergency number) are printed in the export with their own hash, and the
 *   committee approves them there. The example site file lives in content/, so it is covered; a site that keeps
 *   its own file under content/ gets its numbers covered by the version too.
 * Code is not covered: dialogs decide which texts are shown when, and changes there go through code review.
 */
export interface ContentVersion {
  /** First 12 hex digits of the SHA-256: shown in logs, the export, the console and stored with each referral. */
  readonly version: string;
  /** The full SHA-256 in hex, printed in the export for whoever wants to check it. */
  readonly sha256: string;
  /** The files it covers, project-relative with forward slashes, in hashing order. */
  readonly files: readonly string[];
}

export const contentVersionFolders = ['content', 'locales'] as const;
/** Project-relative paths never hashed (see above). */
export const approvalsFile = 'content/approved.json';
const shortLength = 12;

function filesUnder(rootDir: string, folder: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(rootDir, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) found.push(child);
    }
  };
  walk(folder);
  return found;
}

/** Reads the files and hashes them: call once at start (it reads about 700 kB). */
export function computeContentVersion(rootDir: string): ContentVersion {
  // Code-unit order, not locale order: the same on every machine.
  const files = contentVersionFolders
    .flatMap((folder) => filesUnder(rootDir, folder))
    .filter((file) => file !== approvalsFile)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = readFileSync(path.join(rootDir, file));
    // Path and length framed, so moving bytes from one file to the next changes the hash.
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  const sha256 = hash.digest('hex');
  return Object.freeze({ version: sha256.slice(0, shortLength), sha256, files: Object.freeze(files) });
}
