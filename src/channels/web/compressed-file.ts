import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { Request, Response } from 'restify';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * A file served to phones on slow networks: compressed when first asked for (brotli and gzip, in libuv's thread
 * pool, so the event loop is not held up) and kept; `version` is a content hash for cache-busting URLs. Nothing
 * is compressed at start: most app instances (tests, scripts, a bot that only serves WeChat) never serve it.
 */
export interface CompressedFile {
  readonly contentType: string;
  readonly identity: Buffer;
  readonly version: string;
  gzip(): Promise<Buffer>;
  /** The smallest brotli body ready now: a quick one at first, the strongest once it is done. */
  brotli(): Promise<Buffer>;
}

/** Brotli's strongest setting takes seconds for Web Chat's bundle: files above this size get it in the background. */
const backgroundAbove = 64 * 1024;
const quick = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } };
const strongest = (size: number) => ({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size } });

/** One compression per distinct content in a process (tests build many apps; each serves the same bundle). */
const compressed = new Map<string, CompressedFile>();

/**
 * `cacheDir` keeps the strongest brotli body between starts (best effort: a read-only disk only means it is
 * computed again in the background).
 */
export function compressFile(body: Buffer, contentType: string, cacheDir?: string): CompressedFile {
  const version = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const known = compressed.get(`${version} ${contentType}`);
  if (known) return known;
  let gzipped: Promise<Buffer> | undefined;
  let best: Promise<Buffer> | undefined;
  const file: CompressedFile = {
    contentType,
    identity: body,
    version,
    gzip: () => (gzipped ??= gzipAsync(body, { level: 9 })),
    brotli: () => (best ??= firstBrotli(body, version, cacheDir, (strong) => (best = strong))),
  };
  compressed.set(`${version} ${contentType}`, file);
  return file;
}

/** The strongest brotli body when it is cheap to have now; otherwise a quick one, and the strongest later. */
function firstBrotli(body: Buffer, version: string, cacheDir: string | undefined, upgrade: (strong: Promise<Buffer>) => void): Promise<Buffer> {
  if (body.length <= backgroundAbove) return brotliAsync(body, strongest(body.length));
  const cacheFile = cacheDir ? path.join(cacheDir, `${version}.br`) : undefined;
  if (cacheFile) {
    try {
      return Promise.resolve(readFileSync(cacheFile));
    } catch {
      // Not compressed by an earlier start yet: done below.
    }
  }
  brotliAsync(body, strongest(body.length)).then(
    (buffer) => {
      upgrade(Promise.resolve(buffer));
      if (cacheFile) saveQuietly(cacheFile, buffer);
    },
    // The quick body stays in use.
    () => undefined,
  );
  return brotliAsync(body, quick);
}

function saveQuietly(file: string, buffer: Buffer): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, buffer);
  } catch {
    // A read-only install: the next start compresses again, in the background.
  }
}

/** Which encoding the client accepts, best first: br, then gzip, else none (q=0 means "not this one"). */
export function preferredEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part && !/;\s*q=0(\.0*)?\s*$/.test(part))
      .map((part) => part.split(';')[0]?.trim()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

/** A year, never revalidated: only for URLs that carry the content's version. */
export const immutableCaching = 'public, max-age=31536000, immutable';

/** Sends the file in the best encoding the client takes; the caller sets Cache-Control. */
export async function sendCompressed(req: Request, res: Response, file: CompressedFile): Promise<void> {
  res.setHeader('Vary', 'Accept-Encoding');
  res.setHeader('ETag', `"${file.version}"`);
  if (req.header('if-none-match') === `"${file.version}"`) {
    res.sendRaw(304, '');
    return;
  }
  const encoding = preferredEncoding(req.header('accept-encoding'));
  const body = encoding ? await (encoding === 'br' ? file.brotli() : file.gzip()).catch(() => undefined) : undefined;
  if (encoding && body) {
    res.sendRaw(200, body, { 'Content-Type': file.contentType, 'Content-Encoding': encoding });
    return;
  }
  res.sendRaw(200, file.identity, { 'Content-Type': file.contentType });
}
