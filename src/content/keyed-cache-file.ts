/**
 * Files computed from content and code and kept between starts (the recognizer's and the safety classifiers'
 * weights, what the safety patterns require): each is named by a key, a hash of everything it was computed
 * from, so changed data or code names another file and an old one is simply never read again. Used by
 * src/nlu/model-cache.ts and src/safety/pattern-prefilter.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const digests = new Map<string, string>();

/**
 * sha256 (hex) of a code file, read once per process: the code a process runs does not change while it runs,
 * and the production bundle (dist/src/main.js, about 16 MB) takes 30-100 ms to hash, once per cache key
 * before. Data files are hashed by the caller at each key, since they may change under a running process.
 */
export function codeDigest(file: string): string {
  let digest = digests.get(file);
  if (digest === undefined) {
    digest = fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'missing';
    digests.set(file, digest);
  }
  return digest;
}

/** Errors that mean the folder cannot be written (a read-only install): the value is computed at each start instead. */
const notWritable = new Set(['EACCES', 'EROFS', 'EPERM', 'ENOSPC']);

/**
 * One kind of keyed file in a cache folder: `<prefix>-<key><extension>`, keys in lower-case hex. Writes go
 * through a temporary file and a rename, so a parallel reader (test workers, a second instance) sees a whole
 * file or none. Each write prunes the folder: the newest `kept` files of this kind stay, with the one just
 * written and any a `<name>.current` file (holding a key) points to; other files are never touched. A reader
 * that loses a file to a parallel prune finds none and computes the value, as on a first start.
 */
export class KeyedCacheFiles {
  private readonly ownName: RegExp;

  constructor(
    readonly dir: string,
    private readonly prefix: string,
    private readonly extension: string,
    readonly kept: number,
  ) {
    if (!/^[a-z0-9-]+$/u.test(prefix) || !/^\.[a-z0-9]+$/u.test(extension)) throw new Error(`keyed cache file: bad name ${prefix}-<key>${extension}`);
    this.ownName = new RegExp(`^${prefix}-[0-9a-f]+\\${extension}$`, 'u');
  }

  fileOf(key: string): string {
    if (!/^[0-9a-f]+$/u.test(key)) throw new Error(`keyed cache file: a key is lower-case hex, not ${JSON.stringify(key)}`);
    return path.join(this.dir, `${this.prefix}-${key}${this.extension}`);
  }

  /** The stored bytes under this key, or undefined when there are none. */
  read(key: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.fileOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Stores the bytes under this key; false when the folder cannot be written (nothing is left behind then). */
  write(key: string, contents: string | Uint8Array): boolean {
    const file = this.fileOf(key);
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(temporary, contents);
      fs.renameSync(temporary, file);
      this.prune(file);
      return true;
    } catch (error) {
      if (!notWritable.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      fs.rmSync(temporary, { force: true });
      return false;
    }
  }

  private prune(justWritten: string): void {
    const names = fs.readdirSync(this.dir);
    const pinned = new Set([path.basename(justWritten)]);
    for (const name of names.filter((entry) => entry.endsWith('.current'))) {
      let key: string;
      try {
        key = fs.readFileSync(path.join(this.dir, name), 'utf8').trim();
      } catch (error) {
        // Removed meanwhile by another process: nothing to pin.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      if (/^[0-9a-f]+$/u.test(key)) pinned.add(path.basename(this.fileOf(key)));
    }
    const stored = names
      .filter((name) => this.ownName.test(name))
      .map((name) => ({ name, modified: fs.statSync(path.join(this.dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.modified - a.modified);
    for (const [index, { name }] of stored.entries()) {
      if (index < this.kept || pinned.has(name)) continue;
      fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}
