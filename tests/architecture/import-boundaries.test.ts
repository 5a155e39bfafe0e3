import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';

/** Every .ts file under a folder, as [path relative to the project, source]. */
function sources(folder: string): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) result.push([path.relative(projectRoot, full), readFileSync(full, 'utf8')]);
    }
  };
  walk(path.join(projectRoot, folder));
  return result;
}

/** Resolved project-relative targets of a file's relative imports (type-only imports included). */
function importsOf(file: string, source: string): string[] {
  return [...source.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)].map((match) => path.relative(projectRoot, path.resolve(projectRoot, path.dirname(file), match[1] ?? '')));
}

describe('architecture: the boundaries the README promises', () => {
  it('dialogs never import channels, http or storage implementations (only the storage port types)', () => {
    expect.hasAssertions();
    for (const [file, source] of sources('dialogs')) {
      for (const target of importsOf(file, source)) {
        expect(target, `${file} imports ${target}`).not.toMatch(/^src\/(channels|http)\//);
        if (target.startsWith('src/storage/')) expect(target, `${file} imports ${target}`).toBe('src/storage/ports');
      }
    }
  });

  it('channels never import each other', () => {
    expect.hasAssertions();
    for (const [file, source] of sources('src/channels')) {
      const own = file.split(path.sep)[2];
      for (const target of importsOf(file, source)) {
        const match = /^src\/channels\/([^/]+)\//.exec(target);
        if (match && !target.startsWith('src/channels/channel-dependencies')) expect(match[1], `${file} imports ${target}`).toBe(own);
        else expect(target).toBeTruthy();
      }
    }
  });

  it('only the config loader reads process.env', () => {
    expect.hasAssertions();
    for (const [file, source] of [...sources('src'), ...sources('dialogs')]) {
      if (file === path.join('src', 'config', 'load-config.ts')) continue;
      expect(/process\.env\b/.test(source), `${file} reads process.env`).toBe(false);
    }
  });

  it('the safety net needs no storage: its modules import nothing from storage', () => {
    expect.hasAssertions();
    for (const [file, source] of [...sources('src/safety'), ['src/bot/safety-middleware.ts', readFileSync(path.join(projectRoot, 'src/bot/safety-middleware.ts'), 'utf8')] as [string, string]]) {
      for (const target of importsOf(file, source)) expect(target, `${file} imports ${target}`).not.toMatch(/^src\/storage\//);
    }
  });
});
