import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { computeContentVersion } from '../../src/content/content-version';
import { buildContentExport, writeContentExport } from '../../src/content/export/build-export';
import { supportedLocales } from '../../src/i18n/locales';

const config = loadConfig({});
const madeOn = new Date('2026-12-01T09:30:00.000Z');
const built = buildContentExport({
  rootDir: projectRoot,
  site: config.site,
  sitePath: config.env.SITE_CONFIG_PATH,
  retention: { chatStateDays: config.env.CHAT_STATE_RETENTION_DAYS, referralDays: config.env.REFERRAL_RETENTION_DAYS },
  now: madeOn,
});

/** Written here independently of the renderers: what a text must look like inside the HTML. */
const inHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/\n/g, '<br>');
/** …and inside a Markdown table cell. */
const inMarkdown = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** Every user-visible leaf of a locale file: strings, and the typed phrases of lists. `$` keys are translator notes. */
function visibleLeaves(value: unknown, prefix = ''): Array<[string, string[]]> {
  if (Array.isArray(value)) return [[prefix, value.map(String)]];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => (key.startsWith('$') ? [] : visibleLeaves(inner, prefix ? `${prefix}.${key}` : key)));
  }
  return [[prefix, [String(value)]]];
}

/** Every locale folder on disk: the shipped ones and any regional override (zh-Hant-HK). */
const localeFolders = readdirSync(path.join(projectRoot, 'locales'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** The HTML row of one key: from its anchor to the end of the row. */
function htmlRow(namespace: string, key: string): string {
  const start = built.html.indexOf(`<tr id="m-${namespace}-${key}">`);
  if (start < 0) return '';
  return built.html.slice(start, built.html.indexOf('</tr>', start));
}

/** The Markdown row of one key in the messages tables (the first row that starts with its code cell). */
function markdownRow(namespace: string, key: string): string {
  const start = built.markdown.indexOf(`\n| \`${namespace}:${key}\` |`);
  if (start < 0) return '';
  return built.markdown.slice(start + 1, built.markdown.indexOf('\n', start + 1));
}

describe('the ethics export holds every word of every locale file', () => {
  it('covers the shipped locales (and finds the locale folders it is tested against)', () => {
    for (const locale of supportedLocales) expect(localeFolders).toContain(locale);
  });

  for (const folder of localeFolders) {
    it(`${folder}: every key of every file appears with its text, in the HTML row and the Markdown row of that key`, () => {
      expect.hasAssertions();
      const files = readdirSync(path.join(projectRoot, 'locales', folder)).filter((name) => name.endsWith('.json'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const namespace = path.basename(file, '.json');
        const data = JSON.parse(readFileSync(path.join(projectRoot, 'locales', folder, file), 'utf8')) as unknown;
        for (const [key, texts] of visibleLeaves(data)) {
          const html = htmlRow(namespace, key);
          const markdown = markdownRow(namespace, key);
          expect(html, `HTML row of ${folder}/${namespace}:${key}`).not.toBe('');
          expect(markdown, `Markdown row of ${folder}/${namespace}:${key}`).not.toBe('');
          for (const text of texts) {
            expect(html, `${folder}/${namespace}:${key} text in the HTML`).toContain(inHtml(text));
            expect(markdown, `${folder}/${namespace}:${key} text in the Markdown`).toContain(inMarkdown(text));
          }
        }
      }
    });
  }

  it('shows a placeholder literally with the site value it becomes, in each language', () => {
    const greeting = htmlRow('common', 'welcome.greeting');
    expect(greeting).toContain('{{siteName}}');
    for (const locale of supportedLocales) expect(greeting).toContain(inHtml(`{{siteName}} = ${config.site.siteName[locale]}`));
    const emergency = markdownRow('safety', 'emergency');
    expect(emergency).toContain(`{{emergencyNumber}} = ${config.site.emergencyNumber}`);
    // A value only the conversation knows is described, not invented.
    expect(htmlRow('handoff', 'confirmed.thanks')).toContain('{{reference}}: filled in during the chat');
    // The same name, another meaning: {{max}} is the age limit in the pre-check.
    expect(htmlRow('precheck', 'reasons.age')).toContain('{{max}} = 75');
  });

  it('states the content version, the date, the approval state and the site file in both documents', () => {
    const { version, sha256 } = computeContentVersion(projectRoot);
    for (const document of [built.html, built.markdown]) {
      expect(document).toContain(version);
      expect(document).toContain(sha256);
      expect(document).toContain(madeOn.toISOString());
      expect(document).toContain('NOT approved');
      expect(document).toContain('content/site.example.json');
      expect(document).toContain('EXAMPLE values');
    }
  });

  it('has the sections the committee reads: tree, criteria with FACTS.md ids, topics with sources, safety, consent, site values', () => {
    for (const id of ['dialog-tree', 'messages', 'sources', 'precheck', 'topics', 'safety', 'consent', 'site']) expect(built.html).toContain(`<section id="${id}">`);
    expect(built.html).toContain('<svg role="img"');
    expect(built.markdown).toContain('```mermaid\nflowchart LR');
    const criteria = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'precheck.json'), 'utf8')) as { criteria: Array<{ id: string; sources: string[] }> };
    for (const criterion of criteria.criteria) {
      const start = built.html.indexOf(`<tr id="criterion-${criterion.id}">`);
      expect(start, criterion.id).toBeGreaterThan(0);
      expect(built.html.slice(start, built.html.indexOf('</tr>', start))).toContain(criterion.sources.join(', '));
    }
    const topics = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'topics.json'), 'utf8')) as { topics: Array<{ id: string; sources: string[] }> };
    for (const topic of topics.topics) {
      const start = built.html.indexOf(`<section id="topic-${topic.id}">`);
      expect(start, topic.id).toBeGreaterThan(0);
      const section = built.html.slice(start, built.html.indexOf('</section>', start));
      expect(section).toContain(topic.sources.length > 0 ? `FACTS.md sources: ${topic.sources.join(', ')}` : 'FACTS.md sources: none');
    }
    for (const category of ['bleeding', 'self-harm']) expect(built.html).toContain(`<tr id="safety-${category}">`);
    expect(built.html).toContain(`<tr id="site-emergencyNumber"><td class="code">emergencyNumber</td><td>${config.site.emergencyNumber}</td></tr>`);
  });
});

describe('writing the export', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'trialguide-export-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('writes the HTML document and its Markdown twin, named by the content version', () => {
    const written = writeContentExport(path.join(outDir, 'nested'), built);
    const { version } = computeContentVersion(projectRoot);
    expect(path.basename(written.html)).toBe(`trialguide-content-${version}.html`);
    expect(path.basename(written.markdown)).toBe(`trialguide-content-${version}.md`);
    expect(existsSync(written.html) && existsSync(written.markdown)).toBe(true);
    expect(readFileSync(written.html, 'utf8')).toBe(built.html);
    expect(readFileSync(written.markdown, 'utf8')).toBe(built.markdown);
  });
});
