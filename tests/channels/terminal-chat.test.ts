import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { terminalWording } from '../../scripts/chat';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator, readLocaleResources } from '../../src/i18n/translator';

const i18n = createTranslator(projectRoot);
const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

/** Wording that asks a person to tap or click, in each language. */
const tapWords = /\btap\b|\bbutton|\bclick|按钮|点击|点按|按鈕|點擊|點按/i;

/** Runs `npm run chat` (the script itself) with `input` on stdin. */
function chat(args: string[], input: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = execFile(tsx, ['scripts/chat.ts', ...args], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
    });
    child.stdin?.end(input);
  });
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-chat-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run chat', () => {
  it('--locale is honoured on every run (a new person each time), logs go to DATA_DIR/chat.log, and nobody is asked to tap', async () => {
    const first = await chat(['--locale', 'zh-CN'], '1\nquit\n', { DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(first.code, first.stderr).toBe(0);
    const zh = i18n.getFixedT('zh-Hans');
    // The greeting ends with the menu; "1" opens "About the study".
    expect(first.stdout).toContain(zh('terminal:replaces.common.menu.prompt'));
    expect(first.stdout).toContain(zh('topics:about.answer'));
    expect(first.stdout).toContain(zh('terminal:choiceHint'));
    expect(first.stdout).not.toMatch(tapWords);
    // No log line on the terminal, on either stream.
    expect(first.stdout).not.toContain('"level"');
    expect(first.stderr).toBe('');
    const logLines = readFileSync(path.join(dataDir, 'chat.log'), 'utf8').trim().split('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();

    // The same data folder, which now holds the first person's saved language: English all the same.
    rmSync(path.join(dataDir, 'chat.log'));
    const second = await chat(['--locale', 'en-US'], '1\nquit\n', { DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(second.code, second.stderr).toBe(0);
    const en = i18n.getFixedT('en');
    expect(second.stdout).toContain(en('terminal:replaces.common.menu.prompt'));
    expect(second.stdout).toContain(en('topics:about.answer'));
    expect(second.stdout).not.toContain(zh('topics:about.answer'));
    expect(second.stdout).not.toMatch(tapWords);
    expect(second.stderr).toBe('');
    // LOG_LEVEL=silent: no log file at all.
    expect(existsSync(path.join(dataDir, 'chat.log'))).toBe(false);
  }, 240_000);

  it('every string that asks a person to tap has a terminal wording, in every locale', () => {
    expect.hasAssertions();
    const resources = readLocaleResources(projectRoot);
    const wording = terminalWording(i18n);
    let found = 0;
    const visit = (node: unknown, keyPath: string[], locale: string) => {
      if (typeof node === 'string') {
        const [namespace, ...rest] = keyPath;
        // WeChat's own hint is about tapping WeChat links (the terminal never shows it); the terminal's own file is the fix.
        if (namespace === 'terminal' || (namespace === 'channels' && rest[0] === 'wechat') || rest.at(-1)?.startsWith('$')) return;
        if (!tapWords.test(node)) return;
        found += 1;
        const shown = wording(node);
        expect(shown.replaced, `${locale} ${keyPath.join('.')}`).toBe(true);
        expect(shown.text, `${locale} ${keyPath.join('.')}`).not.toMatch(tapWords);
      } else if (node && typeof node === 'object' && !Array.isArray(node)) {
        for (const [key, inner] of Object.entries(node)) visit(inner, [...keyPath, key], locale);
      }
    };
    for (const locale of supportedLocales) visit(resources[locale], [], locale);
    // menu.prompt and prompt.retryChoice in three languages, today.
    expect(found).toBeGreaterThanOrEqual(6);
  });

  it('a replaced string keeps the rest of the message around it', () => {
    const wording = terminalWording(i18n);
    const t = i18n.getFixedT('zh-Hant');
    const message = `${t('common:prompt.retryChoice')}\n\n${t('common:menu.prompt')}`;
    expect(wording(message)).toEqual({ text: `${t('terminal:replaces.common.prompt.retryChoice')}\n\n${t('terminal:replaces.common.menu.prompt')}`, replaced: true });
    expect(wording('no buttons here?')).toEqual({ text: 'no buttons here?', replaced: false });
  });
});
