import { DomainError } from '../errors/domain-errors';

/**
 * Storage failures the person should hear about as "we cannot save right now" (with the study team's phone),
 * not as a generic error, and that must not reset their conversation: the state in the database is still
 * good, only this turn could not reach it.
 */
export class StorageUnavailableError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage_unavailable', message, options);
  }
}

/** A state write that another turn (on this or another instance) overtook since this turn read the state. */
export class ETagConflictError extends DomainError {
  /** The state key; kept off the message, which is logged: keys hold channel conversation and user ids. */
  declare readonly key: string;

  constructor(key: string) {
    super('state_etag_conflict', 'Storage: error writing bot state due to eTag conflict (another turn wrote it first).');
    Object.defineProperty(this, 'key', { value: key, enumerable: false });
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

const lostConnectionCodes = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE']);

/**
 * The connection died under the statement (terminated by the server, reset, a pooled connection that had
 * already died while idle) — as opposed to a timeout or a refused query. Worth one more try on a fresh pooled
 * connection when repeating the operation is harmless.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (lostConnectionCodes.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /connection terminated|not queryable|terminating connection/i.test(message) && !/timeout/i.test(message);
}

/**
 * Runs `operation`, repeating it (up to `attempts` times in all) while it fails because its connection was
 * lost. Only for operations that are harmless to repeat: reads, and writes that are idempotent or guarded by
 * an eTag (a write that did commit before its answer was lost then fails with a conflict, never applies twice).
 */
export async function retryOnConnectionLost<T>(operation: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isConnectionLost(error)) throw error;
    }
  }
}
