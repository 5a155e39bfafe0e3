import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { Request, Response } from 'restify';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * A file served to phones on slow networks: compressed once (brotli and gzip, in libuv's thread pool, so the
 * event loop and /healthz are not held up at start) and kept; `version` is a content hash for cache-busting URLs.
 */
export interface CompressedFile {
  readonly contentType: string;
  readonly identity: Buffer;
  readonly version: string;
  readonly gzip: Promise<Buffer>;
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
  const gzipped = gzipAsync(body, { level: 9 });
  // A failure shows when the file is requested (that request falls back to the identity body): never unhandled.
  gzipped.catch(() => undefined);
  let best = strongBrotli(body, version, cacheDir);
  if (!best) {
    best = brotliAsync(body, quick);
    const strong = brotliAsync(body, strongest(body.length));
    strong.then(
      (buffer) => {
        best = Promise.resolve(buffer);
        if (cacheDir) saveQuietly(path.join(cacheDir, `${version}.br`), buffer);
      },
      () => undefined,
    );
  }
  best.catch(() => undefined);
  const file: CompressedFile = { contentType, identity: body, version, gzip: gzipped, brotli: () => best as Promise<Buffer> };
  compressed.set(`${version} ${contentType}`, file);
  return file;
}

/** The strongest brotli body when it is cheap to have now: small files, or one cached by an earlier start. */
function strongBrotli(body: Buffer, version: string, cacheDir: string | undefined): Promise<Buffer> | undefined {
  if (body.length <= backgroundAbove) return brotliAsync(body, strongest(body.length));
  if (!cacheDir) return undefined;
  try {
    return Promise.resolve(readFileSync(path.join(cacheDir, `${version}.br`)));
  } catch {
    return undefined;
  }
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
  const body = encoding ? await (encoding === 'br' ? file.brotli() : file.gzip).catch(() => undefined) : undefined;
  if (encoding && body) {
    res.sendRaw(200, body, { 'Content-Type': file.contentType, 'Content-Encoding': encoding });
    return;
  }
  res.sendRaw(200, file.identity, { 'Content-Type': file.contentType });
}
