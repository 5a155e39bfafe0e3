import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type CompressedFile, compressFile } from './compressed-file';

export const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};


/**
 * Web Chat's minimal UMD bundle: no Markdown, Adaptive Cards or speech, which the bot never sends to Web Chat
 * (plain text and suggested actions; hero cards go to Teams only). Half the full bundle's size.
 */
export function locateWebChatBundle(cacheDir: string): { file: CompressedFile; version: string } {
  // The package exports only its entry (lib/index.js); the UMD bundles sit in dist/ beside it.
  const packageDir = path.resolve(path.dirname(require.resolve('botframework-webchat')), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { file: compressFile(readFileSync(path.join(packageDir, 'dist', 'webchat-minimal.js')), contentTypes['.js'] ?? '', cacheDir), version };
}

export function readAssets(folder: string): Map<string, CompressedFile> {
  const files = new Map<string, CompressedFile>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const contentType = contentTypes[path.extname(entry.name)];
    if (entry.isFile() && contentType) files.set(entry.name, compressFile(readFileSync(path.join(folder, entry.name)), contentType));
  }
  return files;
}
