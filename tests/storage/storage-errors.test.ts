import { describe, expect, it } from 'vitest';
import { ETagConflictError, isConnectionLost, isStorageFailure, retryOnConnectionLost, StorageUnavailableError } from '../../src/storage/storage-errors';

/** Shapes as the drivers produce them (pg's DatabaseError carries severity and SQLSTATE; better-sqlite3's SqliteError a code). */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'error', severity: 'FATAL', code });
}
function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'SqliteError', code });
}

describe('storage failure classification', () => {
  it('counts a lost, silent or refusing database and a failing disk as storage failures', () => {
    for (const error of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57014', 'canceling statement due to statement timeout'),
      pgError('08006', 'connection failure'),
      pgError('53300', 'too many connections for role'),
      new Error('Connection terminated unexpectedly'),
      new Error('Query read timeout'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'),
      sqliteError('SQLITE_FULL', 'database or disk is full'),
      sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'),
      new StorageUnavailableError('files gone'),
      new Error('create referral failed', { cause: pgError('57P01', 'terminating connection') }),
    ]) {
      expect(isStorageFailure(error), String(error)).toBe(true);
    }
  });

  it('does not count programming errors, constraint violations or dialog errors', () => {
    for (const error of [
      new TypeError('cannot read properties of undefined'),
      pgError('23505', 'duplicate key value violates unique constraint'),
      pgError('42P01', 'relation "referrals" does not exist'),
      sqliteError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'),
      new ETagConflictError('directline/conversations/x'),
      undefined,
      'a string',
    ]) {
      expect(isStorageFailure(error), String(error)).toBe(false);
    }
  });

  it('repeats only operations whose connection was lost, and at most the given number of times', async () => {
    let calls = 0;
    await expect(
      retryOnConnectionLost(async () => {
        calls += 1;
        if (calls < 3) throw new Error('Connection terminated unexpectedly');
        return 'ok';
      }),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      retryOnConnectionLost(async () => {
        calls += 1;
        throw pgError('57P01', 'terminating connection due to administrator command');
      }),
    ).rejects.toThrow(/administrator command/);
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      retryOnConnectionLost(async () => {
        calls += 1;
        throw new Error('Query read timeout');
      }),
    ).rejects.toThrow(/timeout/);
    expect(calls).toBe(1);
    expect(isConnectionLost(new ETagConflictError('k'))).toBe(false);
  });
});
