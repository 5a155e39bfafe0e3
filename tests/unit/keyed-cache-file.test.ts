import fs, { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { codeDigest, KeyedCacheFiles } from '../../src/content/keyed-cache-file';

const root = mkdtempSync(path.join(tmpdir(), 'tg-keyed-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const keyOf = (index: number) => index.toString(16).padStart(32, '0');
let folders = 0;
const freshDir = () => path.join(root, `dir-${(folders += 1)}`);

describe('keyed cache files', () => {
  it('reads back what was written under a key, creates the folder, and leaves no temporary file', () => {
    const files = new KeyedCacheFiles(freshDir(), 'test-kind', '.json', 4);
    expect(files.read(keyOf(1))).toBeUndefined();
    expect(files.write(keyOf(1), '{"a":1}')).toBe(true);
    expect(files.read(keyOf(1))?.toString('utf8')).toBe('{"a":1}');
    expect(files.read(keyOf(2))).toBeUndefined();
    expect(readdirSync(files.dir)).toEqual([`test-kind-${keyOf(1)}.json`]);
    expect(files.fileOf(keyOf(1))).toBe(path.join(files.dir, `test-kind-${keyOf(1)}.json`));
  });

  it('keeps the newest files of its kind, the one just written and any a .current file names; other kinds and files stay', () => {
    const dir = freshDir();
    const files = new KeyedCacheFiles(dir, 'test-kind', '.bin', 3);
    const other = new KeyedCacheFiles(dir, 'other-kind', '.bin', 3);
    expect(other.write(keyOf(99), 'other')).toBe(true);
    writeFileSync(path.join(dir, 'notes.txt'), 'not a cache file');
    writeFileSync(path.join(dir, 'some-model.current'), `${keyOf(2)}\n`);
    writeFileSync(path.join(dir, 'damaged.current'), 'not a key');
    // Eight older files, oldest first (a minute apart), then one written now.
    for (let index = 1; index <= 8; index += 1) {
      expect(files.write(keyOf(index), `v${index}`)).toBe(true);
      const at = new Date(Date.UTC(2026, 0, 1, 0, index));
      utimesSync(files.fileOf(keyOf(index)), at, at);
    }
    expect(files.write(keyOf(9), 'v9')).toBe(true);
    const expected = ['notes.txt', 'some-model.current', 'damaged.current', path.basename(other.fileOf(keyOf(99))), ...[2, 7, 8, 9].map((index) => path.basename(files.fileOf(keyOf(index))))];
    expect(readdirSync(dir).sort()).toEqual(expected.sort());
    expect(files.read(keyOf(2))?.toString('utf8')).toBe('v2');
  });

  it('refuses names and keys that are not its own form', () => {
    expect(() => new KeyedCacheFiles(root, 'Bad Name', '.bin', 1)).toThrow(/bad name/);
    expect(() => new KeyedCacheFiles(root, 'kind', 'bin', 1)).toThrow(/bad name/);
    expect(() => new KeyedCacheFiles(root, 'kind', '.bin', 1).fileOf('../escape')).toThrow(/lower-case hex/);
  });

  it('returns false, leaving nothing behind, when the folder cannot be written (a read-only install)', () => {
    const files = new KeyedCacheFiles(freshDir(), 'test-kind', '.json', 4);
    vi.spyOn(fs, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    });
    expect(files.write(keyOf(1), 'x')).toBe(false);
    expect(readdirSync(files.dir)).toEqual([]);
    vi.mocked(fs.renameSync).mockImplementation(() => {
      throw Object.assign(new Error('i/o error'), { code: 'EIO' });
    });
    expect(() => files.write(keyOf(1), 'x')).toThrow(/i\/o error/);
  });
});

describe('the code digest', () => {
  it('hashes a file once per process (the running code does not change), and names a missing file', () => {
    const file = path.join(root, 'code.js');
    writeFileSync(file, 'module.exports = 1;');
    const first = codeDigest(file);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const read = vi.spyOn(fs, 'readFileSync');
    writeFileSync(file, 'module.exports = 2;');
    expect(codeDigest(file)).toBe(first);
    expect(read).not.toHaveBeenCalled();
    expect(codeDigest(path.join(root, 'no-such-file.js'))).toBe('missing');
  });
});
