/**
 * Storage failures the person should hear about as "we cannot save right now" (with the study team's phone),
 * not as a generic error, and that must not reset their conversation: the state in the database is still
 * good, only this turn could not reach it.
 */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** A state write that another turn (on this or another instance) overtook since this turn read the state. */
export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

/** PostgreSQL SQLSTATE classes: connection exception, insufficient resources, operator intervention, system error. */
const pgFailureClasses = new Set(['08', '53', '57', '58']);
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const pgClientMessages = /connection terminated|query read timeout|timeout exceeded when trying to connect|not queryable|cannot use a pool after calling end|connection error/i;

/** True when `error` (or its cause) says the database could not be reached or could not write. */
export function isStorageFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof StorageUnavailableError) return true;
  const { name, code, message, severity, cause } = error as { name?: string; code?: unknown; message?: unknown; severity?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (socketCodes.has(code)) return true;
    // better-sqlite3: disk I/O errors, a read-only or vanished file, a full disk, a corrupt file, a lock held too long.
    if (name === 'SqliteError' && /^SQLITE_(IOERR|READONLY|FULL|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PROTOCOL)/.test(code)) return true;
    if (typeof severity === 'string' && pgFailureClasses.has(code.slice(0, 2))) return true;
  }
  if (typeof message === 'string' && pgClientMessages.test(message)) return true;
  return isStorageFailure(cause, depth + 1);
}
