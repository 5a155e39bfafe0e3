import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../src/config/load-config';
import type { ContentApproval } from '../../../src/content/content-approval';

export interface TempProject {
  root: string;
  /** Replaces content/approved.json. */
  writeApprovals(approvals: Array<Partial<ContentApproval> & { version: string }>): void;
  remove(): void;
}

/**
 * A copy of the project to change content in without touching the real one: content/ and locales/ copied
 * (and, with `withCode`, src/, dialogs/ and public/ too, so a process started from it finds THIS copy as its
 * project root); node_modules is linked.
 */
export function tempProject(options: { withCode?: boolean } = {}): TempProject {
  const root = mkdtempSync(path.join(tmpdir(), 'trialguide-content-'));
  const copied = ['content', 'locales', ...(options.withCode ? ['src', 'dialogs', 'package.json', 'tsconfig.json'] : [])];
  for (const entry of copied) cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  // Read-only for these tests: linked, except where a started process must resolve its own root.
  for (const entry of ['public', 'teams']) {
    if (options.withCode) cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
    else symlinkSync(path.join(projectRoot, entry), path.join(root, entry));
  }
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
  return {
    root,
    writeApprovals(approvals) {
      writeFileSync(path.join(root, 'content', 'approved.json'), JSON.stringify(approvals, null, 2));
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
