import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { contentCatalogue } from '../../src/content/content-catalogue';
import { InvalidContentError, readContentFile } from '../../src/content/content-files';
import { commandsFile } from '../../dialogs/shared/commands';
import { loadTopicTree } from '../../dialogs/topics/topic-tree';
import { type TempProject, tempProject } from './support/temp-project';

/** Every JSON file under content/, relative to the root, with forward slashes. */
function jsonFilesUnder(folder: string): string[] {
  return readdirSync(path.join(projectRoot, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return jsonFilesUnder(relative);
    return entry.name.endsWith('.json') ? [relative] : [];
  });
}

let project: TempProject | undefined;
afterEach(() => {
  project?.remove();
  project = undefined;
});

describe('one content loader (src/content/content-files.ts)', () => {
  it('knows every file under content/ exactly once, each with one schema', () => {
    const catalogued = contentCatalogue.map((file) => file.path);
    expect(new Set(catalogued).size).toBe(catalogued.length);
    expect([...catalogued].sort()).toEqual(jsonFilesUnder('content').sort());
  });

  it('reads every shipped content file and each matches its schema', () => {
    for (const file of contentCatalogue) expect(() => readContentFile(projectRoot, file), file.path).not.toThrow();
  });

  it('reads from the root it is given, not from where the code lives', () => {
    project = tempProject();
    const file = path.join(project.root, commandsFile.path);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { commands: Record<string, string[]> };
    data.commands['menu'] = [...(data.commands['menu'] ?? []), 'take me to the start please'];
    writeFileSync(file, JSON.stringify(data));
    expect(readContentFile(project.root, commandsFile).commands['menu']).toContain('take me to the start please');
    expect(readContentFile(projectRoot, commandsFile).commands['menu']).not.toContain('take me to the start please');
  });

  it('stops with the file name and every problem when a file does not match its schema', () => {
    project = tempProject();
    writeFileSync(path.join(project.root, commandsFile.path), JSON.stringify({ commands: { menu: [], dance: ['dance'] } }));
    const read = () => readContentFile(project!.root, commandsFile);
    expect(read).toThrow(InvalidContentError);
    expect(read).toThrow(/^Invalid content content\/commands\.json:\n {2}- commands\.menu: Too small/);
    expect(read).toThrow(/\n {2}- commands\.help: Invalid input/);
    expect(read).toThrow(/\n {2}- commands: Unrecognized key: "dance"/);
  });

  it('stops with the file name when a file is not JSON or missing', () => {
    project = tempProject();
    writeFileSync(path.join(project.root, 'content', 'topics.json'), '{ "version": ');
    expect(() => loadTopicTree(project!.root)).toThrow(/^content\/topics\.json: cannot read /);
    expect(() => readContentFile(path.join(project!.root, 'nowhere'), commandsFile)).toThrow(/^content\/commands\.json: cannot read .*nowhere/);
  });

  it('keeps the cross-checks of a file that its schema cannot express (a topic naming an unknown topic)', () => {
    project = tempProject();
    const file = path.join(project.root, 'content', 'topics.json');
    const data = JSON.parse(readFileSync(file, 'utf8')) as { topics: Array<{ id: string; related?: string[] }> };
    data.topics[0]!.related = ['no-such-topic'];
    writeFileSync(file, JSON.stringify(data));
    expect(() => loadTopicTree(project!.root)).toThrow(/refers to unknown topic "no-such-topic"/);
  });
});
