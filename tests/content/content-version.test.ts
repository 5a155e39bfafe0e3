import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { approvalOf, contentStatus, readApprovals } from '../../src/content/content-approval';
import { computeContentVersion } from '../../src/content/content-version';
import { type TempProject, tempProject } from './support/temp-project';

let project: TempProject | undefined;
afterEach(() => {
  project?.remove();
  project = undefined;
});

function open(): TempProject {
  project = tempProject();
  return project;
}

describe('content version', () => {
  it('is the first 12 hex digits of one SHA-256 over every file of content/ and locales/, sorted, without content/approved.json', () => {
    const content = computeContentVersion(projectRoot);
    expect(content.version).toMatch(/^[0-9a-f]{12}$/);
    expect(content.sha256.startsWith(content.version)).toBe(true);
    expect(content.files).toContain('locales/en/common.json');
    expect(content.files).toContain('content/precheck.json');
    expect(content.files).toContain('content/site.example.json');
    expect(content.files).not.toContain('content/approved.json');
    expect([...content.files].sort()).toEqual(content.files);
    expect(content.files.every((file) => file.startsWith('content/') || file.startsWith('locales/'))).toBe(true);
  });

  it('is the same for the same bytes (a copy of the project) and changes with any byte, file or name', () => {
    const copy = open();
    const original = computeContentVersion(projectRoot).version;
    expect(computeContentVersion(copy.root).version).toBe(original);

    const greeting = path.join(copy.root, 'locales', 'zh-Hant', 'common.json');
    const text = readFileSync(greeting, 'utf8');
    writeFileSync(greeting, text.replace('您好', '你好'));
    const oneWord = computeContentVersion(copy.root).version;
    expect(oneWord).not.toBe(original);
    writeFileSync(greeting, text);
    expect(computeContentVersion(copy.root).version).toBe(original);

    appendFileSync(path.join(copy.root, 'content', 'topics.json'), ' ');
    expect(computeContentVersion(copy.root).version).not.toBe(original);
  });

  it('changes when a file is renamed or added, even with the same bytes', () => {
    const copy = open();
    const original = computeContentVersion(copy.root).version;
    renameSync(path.join(copy.root, 'content', 'small-talk.json'), path.join(copy.root, 'content', 'small-talk-2.json'));
    const renamed = computeContentVersion(copy.root).version;
    expect(renamed).not.toBe(original);
    writeFileSync(path.join(copy.root, 'locales', 'en', 'extra.json'), '{}');
    expect(computeContentVersion(copy.root).version).not.toBe(renamed);
  });

  it('does not change when an approval is recorded', () => {
    const copy = open();
    const before = computeContentVersion(copy.root).version;
    copy.writeApprovals([{ version: before, approvedBy: 'Ethics Committee', approvedAt: '2026-12-01' }]);
    expect(computeContentVersion(copy.root).version).toBe(before);
  });
});

describe('content/approved.json', () => {
  it('in the repository is well-formed, and its example entry approves nothing', () => {
    const approvals = readApprovals(projectRoot);
    const examples = approvals.filter((approval) => approval.example);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(approvalOf(example.version, examples)).toBeUndefined();
  });

  it('approves a version only by a real entry naming it; the latest one is reported', () => {
    const copy = open();
    const { version } = computeContentVersion(copy.root);
    expect(contentStatus(copy.root).approval).toBeUndefined();

    copy.writeApprovals([{ version, approvedBy: 'Example entry', approvedAt: '2026-12-01', example: true }]);
    expect(contentStatus(copy.root).approval).toBeUndefined();

    copy.writeApprovals([{ version: 'abcdefabcdef', approvedBy: 'EC', approvedAt: '2026-11-01' }]);
    expect(contentStatus(copy.root).approval).toBeUndefined();

    copy.writeApprovals([
      { version, approvedBy: 'Ethics Committee, first review', approvedAt: '2026-11-20' },
      { version, approvedBy: 'Ethics Committee, amendment 1', approvedAt: '2026-12-01T10:00:00Z', note: 'EC-2026-114' },
    ]);
    expect(contentStatus(copy.root).approval).toMatchObject({ version, approvedBy: 'Ethics Committee, amendment 1', note: 'EC-2026-114' });
  });

  it('refuses a malformed file instead of reading it as "no approvals"', () => {
    const copy = open();
    writeFileSync(path.join(copy.root, 'content', 'approved.json'), '[{"version": "0f23", "approvedBy": ""}]');
    expect(() => contentStatus(copy.root)).toThrow(/content\/approved\.json: .*version.*12-character/);
    writeFileSync(path.join(copy.root, 'content', 'approved.json'), '[{');
    expect(() => contentStatus(copy.root)).toThrow(/content\/approved\.json is not valid JSON/);
  });
});
