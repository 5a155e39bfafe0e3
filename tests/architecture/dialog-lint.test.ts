import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

const unsafeRules = ['no-unsafe-assignment', 'no-unsafe-member-access', 'no-unsafe-argument', 'no-unsafe-call', 'no-unsafe-return'].map((rule) => `@typescript-eslint/${rule}`);

/** The severity the project's ESLint config gives `rule` in `file` (0 off, 2 error). */
async function severity(project: ESLint, file: string, rule: string): Promise<unknown> {
  const config = (await project.calculateConfigForFile(path.join(projectRoot, file))) as { rules?: Record<string, unknown[]> };
  return config.rules?.[rule]?.[0];
}

describe('dialogs read stored state, so nothing untyped flows through them', () => {
  it('the no-unsafe-* rules are errors for every file under dialogs/ (their stored options are checked with zod)', async () => {
    const project = new ESLint({ cwd: projectRoot });
    expect.hasAssertions();
    for (const file of ['dialogs/main/main-dialog.ts', 'dialogs/handoff/handoff-dialog.ts', 'dialogs/shared/persisted-options.ts', 'dialogs/dialog-services.ts']) {
      for (const rule of unsafeRules) expect(await severity(project, file, rule), `${rule} in ${file}`).toBe(2);
    }
  });
});
