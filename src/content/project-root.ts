import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json and locales/: the same from src/ (tsx, tests), dist/src/ (compiled) or a
 * bundle in dist/. Found once, here; content/, locales/ and public/ are read from the root passed down
 * (AppConfig.rootDir), never from a module's own folder.
 */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'locales'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..');
  }
}

/** The project this code belongs to: the default root of loadConfig and of the content modules of dialogs/. */
export const projectRoot = findProjectRoot(__dirname);
