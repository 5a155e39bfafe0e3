import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { computeContentVersion } from '../../src/content/content-version';
import { buildContentExport } from '../../src/content/export/build-export';
import { tempProject } from './support/temp-project';

/** A Hong Kong override folder holding one key whose wording differs (written Cantonese greeting). */
const copy = tempProject();
afterAll(() => copy.remove());
const before = computeContentVersion(copy.root).version;
mkdirSync(path.join(copy.root, 'locales', 'zh-Hant-HK'));
writeFileSync(path.join(copy.root, 'locales', 'zh-Hant-HK', 'common.json'), JSON.stringify({ $comment: 'Hong Kong wording', smallTalk: { thanks: '唔使客氣，有咩想問隨時搵我。' } }));

const config = loadConfig({}, copy.root);
const built = buildContentExport({
  rootDir: copy.root,
  site: config.site,
  sitePath: config.env.SITE_CONFIG_PATH,
  retention: { chatStateDays: 30, referralDays: 180 },
  now: new Date('2026-12-01T09:00:00Z'),
});

function htmlRow(id: string): string {
  const start = built.html.indexOf(`<tr id="${id}">`);
  return start < 0 ? '' : built.html.slice(start, built.html.indexOf('</tr>', start));
}

describe('regional overrides (locales/zh-Hant-HK) in the export', () => {
  it('get a column of their own: the override where it differs, "same as zh-Hant" elsewhere', () => {
    expect(built.html).toContain('<th scope="col">zh-Hant-HK (overrides zh-Hant)</th>');
    const overridden = htmlRow('m-common-smallTalk.thanks');
    expect(overridden).toContain('<td lang="zh-Hant-HK">唔使客氣，有咩想問隨時搵我。</td>');
    expect(overridden).toContain('<td lang="zh-Hant">');
    const untouched = htmlRow('m-common-welcome.greeting');
    expect(untouched).toContain('<td class="muted">same as zh-Hant</td>');
    expect(built.markdown).toContain('| zh-Hant-HK (overrides zh-Hant) |');
    expect(built.markdown).toContain('唔使客氣，有咩想問隨時搵我。 |');
    expect(built.html).toContain('zh-Hant-HK replaces zh-Hant only where its column has text');
  });

  it('are covered by the content version', () => {
    expect(built.status.content.files).toContain('locales/zh-Hant-HK/common.json');
    expect(built.status.content.version).not.toBe(before);
  });
});
