import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

/**
 * The boundaries the README promises are lint rules (eslint.boundaries.mjs, used by eslint.config.mjs):
 * import-x/no-restricted-paths zones and no-restricted-properties for process.env. These tests check that the
 * project's config applies them, that they bite on code that breaks them, and that the tree keeps them.
 */
interface BoundaryModule {
  channels: string[];
  boundaryConfig: Linter.Config;
  environmentReaderConfig: Linter.Config;
}

let boundaries: BoundaryModule;
let linter: ESLint;

beforeAll(async () => {
  boundaries = (await import(pathToFileURL(path.join(projectRoot, 'eslint.boundaries.mjs')).href)) as BoundaryModule;
  // Only the boundary rules (no type information): fast enough to lint the whole tree in a test.
  linter = new ESLint({
    cwd: projectRoot,
    // eslint-disable comments name rules this reduced config does not load.
    allowInlineConfig: false,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, boundaries.boundaryConfig, boundaries.environmentReaderConfig],
  });
});

/** The boundary messages for `code` as if it were the file `file` (relative to the project). */
async function violations(code: string, file: string): Promise<string[]> {
  const [result] = await linter.lintText(code, { filePath: path.join(projectRoot, file) });
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
}

/** The rules the project's config gives `file`, each as [severity, ...options] (calculateConfigForFile normalises them so). */
async function rulesFor(project: ESLint, file: string): Promise<Record<string, unknown[] | undefined>> {
  const config = (await project.calculateConfigForFile(path.join(projectRoot, file))) as { rules?: Record<string, unknown[]> };
  return config.rules ?? {};
}

describe('architecture: the boundaries the README promises, as lint rules', () => {
  it('the project\'s ESLint config applies them to dialogs, every channel, the safety net and the config loader', async () => {
    const project = new ESLint({ cwd: projectRoot });
    expect.hasAssertions();
    for (const file of ['dialogs/main/main-dialog.ts', 'src/safety/emergency-detector.ts', 'src/bot/safety-middleware.ts', ...boundaries.channels.map((channel) => `src/channels/${channel}/x.ts`)]) {
      const rules = await rulesFor(project, file);
      expect(rules['import-x/no-restricted-paths'], file).toEqual([2, { zones: expect.any(Array) as unknown }]);
      expect(rules['no-restricted-properties']?.[0], file).toBe(2);
      expect(rules['no-restricted-imports']?.[0], file).toBe(2);
    }
    expect((await rulesFor(project, 'src/config/load-config.ts'))['no-restricted-properties']?.[0]).toBe(0);
  });

  it('dialogs may import the storage port types, never channels, http or storage implementations', async () => {
    expect(await violations("import type { Referral } from '../../src/storage/ports';\nexport type R = Referral;\n", 'dialogs/data/fixture.ts')).toEqual([]);
    const broken = {
      channel: "import { registerWeChatRoutes } from '../../src/channels/wechat/wechat-routes';\nexport const x = registerWeChatRoutes;\n",
      http: "import { errorBody } from '../../src/http/error-catalogue';\nexport const x = errorBody;\n",
      storage: "import type { SqlContext } from '../../src/storage/database';\nexport type X = SqlContext;\n",
    };
    expect.hasAssertions();
    for (const [kind, code] of Object.entries(broken)) {
      const found = await violations(code, 'dialogs/data/fixture.ts');
      expect(found, kind).toHaveLength(1);
      expect(found[0], kind).toMatch(/^import-x\/no-restricted-paths: .*Dialogs/);
    }
  });

  it('a channel may import itself and channel-dependencies, never another channel', async () => {
    expect(await violations("import type { ChannelDependencies } from '../channel-dependencies';\nimport { parseWeChatXml } from './xml';\nexport const x: [ChannelDependencies | undefined, unknown] = [undefined, parseWeChatXml];\n", 'src/channels/wechat/fixture.ts')).toEqual([]);
    const found = await violations("import { createBotFrameworkAdapter } from '../bot-framework/bot-framework-routes';\nexport const x = createBotFrameworkAdapter;\n", 'src/channels/wechat/fixture.ts');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^import-x\/no-restricted-paths: .*Channels never import each other/);
    expect(await violations("import { registerWeChatRoutes } from '../wechat/wechat-routes';\nexport const x = registerWeChatRoutes;\n", 'src/channels/web/fixture.ts')).toHaveLength(1);
  });

  it('the safety net imports nothing from storage; only the config loader reads process.env', async () => {
    expect(await violations("import { isStorageFailure } from '../storage/storage-errors';\nexport const x = isStorageFailure;\n", 'src/safety/fixture.ts')).toEqual([expect.stringMatching(/^import-x\/no-restricted-paths: .*The safety net/)]);
    expect(await violations('export const port = process.env.PORT;\n', 'src/http/fixture.ts')).toEqual([expect.stringMatching(/^no-restricted-properties: .*load-config/)]);
    expect(await violations('export const port = process.env.PORT;\n', 'dialogs/fixture.ts')).toHaveLength(1);
    expect(await violations('export const port = process.env.PORT;\n', 'src/config/load-config.ts')).toEqual([]);
  });

  it('content is never imported as JSON: it is read at run time from the root passed in (src/content/content-files.ts)', async () => {
    expect(await violations("import topicData from '../../content/topics.json';\nexport const x = topicData;\n", 'dialogs/topics/fixture.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/content\/content-files\.ts/)]);
    expect(await violations("import red from '../../content/safety/red-flags.json';\nexport const x = red;\n", 'src/safety/fixture.ts')).toHaveLength(1);
    expect(await violations("import en from '../../locales/en/common.json';\nexport const x = en;\n", 'src/i18n/fixture.ts')).toHaveLength(1);
    expect(await violations("import { readContentFile } from '../content/content-files';\nimport { topicsFile } from '../content/topics-file';\nexport const x = readContentFile('/root', topicsFile);\n", 'src/nlu/fixture.ts')).toEqual([]);
  });

  it('src/ and dialogs/ keep every boundary', async () => {
    const results = await linter.lintFiles(['src/**/*.ts', 'dialogs/**/*.ts']);
    expect(results.length).toBeGreaterThan(100);
    const broken = results.flatMap((result) => result.messages.map((message) => `${path.relative(projectRoot, result.filePath)}:${message.line} ${message.ruleId ?? 'parse'}: ${message.message}`));
    expect(broken).toEqual([]);
  }, 120_000);
});
