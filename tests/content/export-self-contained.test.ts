import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { computeContentVersion } from '../../src/content/content-version';

const run = promisify(execFile);
const outDir = mkdtempSync(path.join(tmpdir(), 'trialguide-export-cli-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** `npm run content:export` as an operator runs it, into EXPORT_DIR. */
async function exportWithCli(): Promise<{ stdout: string; html: string; markdown: string }> {
  const { stdout } = await run(process.execPath, [path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/content-export.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, EXPORT_DIR: outDir },
    timeout: 120_000,
  });
  const files = readdirSync(outDir);
  const html = files.find((name) => name.endsWith('.html'));
  const markdown = files.find((name) => name.endsWith('.md'));
  if (!html || !markdown) throw new Error(`export wrote ${files.join(', ')}`);
  return { stdout, html: readFileSync(path.join(outDir, html), 'utf8'), markdown: readFileSync(path.join(outDir, markdown), 'utf8') };
}

describe('npm run content:export', () => {
  it('writes one self-contained HTML document (nothing fetched from anywhere) and its Markdown twin into EXPORT_DIR', async () => {
    const { version } = computeContentVersion(projectRoot);
    const { stdout, html, markdown } = await exportWithCli();
    expect(stdout).toContain(`content version ${version}`);
    expect(stdout).toContain(path.join(outDir, `trialguide-content-${version}.html`));
    expect(markdown.startsWith('# TrialGuide')).toBe(true);

    // No element that loads anything: no scripts, stylesheets, images, frames or objects.
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|video|audio|source|base)\b/i);
    // Every URL-bearing attribute points inside the document.
    const urls = [...html.matchAll(/\s(?:src|href|srcset|action|formaction|poster|data|xlink:href)\s*=\s*"([^"]*)"/gi)].map((match) => match[1] ?? '');
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url, url).toMatch(/^#/);
    // The inline CSS neither imports nor loads (fonts are the reader's own).
    const css = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? '').join('\n');
    expect(css).not.toMatch(/@import|url\(|@font-face/);
    expect(html).not.toMatch(/http-equiv="refresh"/i);
    // A browser that found a URL anyway would still not fetch it.
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    // Printable: a print stylesheet that does not cut a row across pages.
    expect(css).toMatch(/@media print[\s\S]*break-inside: avoid/);
  }, 150_000);
});
