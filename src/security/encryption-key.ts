import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';

export const keyFileName = 'encryption.key';

function decodeKey(base64: string, origin: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${origin} must hold 32 bytes, base64-encoded (openssl rand -base64 32)`);
  return key;
}

/**
 * The data encryption key: `DATA_ENCRYPTION_KEY` when set. Otherwise the embedded (SQLite) mode keeps a
 * generated key in `DATA_DIR/encryption.key` (mode 0600) so a fresh clone runs with no setup; PostgreSQL
 * mode refuses, because a key file on one instance's disk cannot serve several instances and would be
 * lost with the container. The key itself is never logged.
 */
export async function loadEncryptionKey(config: AppConfig, logger: Logger, backend: 'sqlite' | 'postgres'): Promise<Buffer> {
  const configured = config.env.DATA_ENCRYPTION_KEY;
  if (configured) {
    logger.info('data encryption key: from DATA_ENCRYPTION_KEY (no key file is read or written)', { backend });
    return decodeKey(configured, 'DATA_ENCRYPTION_KEY');
  }
  if (backend === 'postgres') {
    throw new Error(
      'DATA_ENCRYPTION_KEY is required when DATABASE_URL is set (PostgreSQL mode never generates a key, so the key is never beside the database or its backups): put it in the deployment\'s secret store and pass it in; see "Key custody" in the README',
    );
  }

  const dataDir = path.resolve(config.rootDir, config.env.DATA_DIR);
  const keyPath = path.join(dataDir, keyFileName);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx' creates atomically: two processes starting together cannot both write a key.
    const handle = await open(keyPath, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString('base64')}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    logger.warn('DATA_ENCRYPTION_KEY is not set: generated a key file BESIDE the embedded database. Fine for trying TrialGuide; for real use set DATA_ENCRYPTION_KEY from a secret store (README: key custody).', { keyFile: keyPath });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    logger.warn('DATA_ENCRYPTION_KEY is not set: using the key file beside the embedded database (README: key custody).', { keyFile: keyPath });
  }
  return decodeKey(await readFile(keyPath, 'utf8'), keyPath);
}
