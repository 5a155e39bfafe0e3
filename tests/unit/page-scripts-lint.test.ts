import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

/** The browser scripts are served as written (no build step), so the linter is their only check before a browser. */
describe('public/**/*.js are linted as browser scripts', () => {
  const eslint = new ESLint({ cwd: projectRoot });

  it('every page script is linted (not ignored) and has no problems', async () => {
    expect.hasAssertions();
    for (const file of ['public/assets/chat.js', 'public/early-chat.js', 'public/embed.js']) expect(await eslint.isPathIgnored(path.join(projectRoot, file)), file).toBe(false);
    const results = await eslint.lintFiles(['public/**/*.js']);
    expect(results.length).toBeGreaterThanOrEqual(3);
    for (const result of results) {
      expect(result.messages.map((message) => `${path.relative(projectRoot, result.filePath)}:${message.line} ${message.ruleId ?? ''} ${message.message}`)).toEqual([]);
    }
  }, 60_000);

  it('the rules bite: a Node global, an unused variable, == and an empty catch are reported', async () => {
    const source = ['(function () {', "  'use strict';", '  var unused = 1;', '  if (document.title == 0) process.exit(1);', '  try { window.x(); } catch (error) {}', '})();', ''].join('\n');
    const [result] = await eslint.lintText(source, { filePath: path.join(projectRoot, 'public', 'assets', 'probe.js') });
    expect(result?.messages.map((message) => message.ruleId).sort()).toEqual(['eqeqeq', 'no-empty', 'no-undef', 'no-unused-vars', 'no-unused-vars']);
  });
});
