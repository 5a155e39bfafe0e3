import { accessSync, closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import type { Database, SqliteDirect, SqliteStatements } from '../database';
import { StorageUnavailableError } from '../storage-errors';
import { openSqliteConnection } from './sqlite-driver';

export const sqliteFileName = 'trialguide.sqlite';

export interface SqliteDatabase {
  db: Kysely<Database>;
  file: string;
  /** Synchronous statements under the connection Kysely holds (SqliteDirect). */
  direct: SqliteDirect;
  /**
   * Why a write to this database may not be durable now, or undefined when it is. SQLite keeps writing through
   * its open file descriptor after the data directory was removed or the file replaced: every write "succeeds"
   * into a file nobody will ever open again. So a confirmed write also needs the files to still be the ones
   * opened, and writable.
   */
  filesProblem(): string | undefined;
}

interface Identity {
  dev: number;
  ino: number;
}

function identityOf(target: string): Identity {
  const { dev, ino } = statSync(target);
  return { dev, ino };
}

/** Throws a clear error when the directory or the database's files cannot be written (before SQLite maps them). */
function writableProblem(dataDir: string, file: string): string | undefined {
  for (const target of [dataDir, file, `${file}-wal`, `${file}-shm`]) {
    if (target !== dataDir && !existsSync(target)) continue;
    try {
      accessSync(target, constants.R_OK | constants.W_OK);
    } catch {
      return `${target} is not writable by this process`;
    }
  }
  return undefined;
}

/**
 * Opens the embedded database file. WAL lets readers run beside the writer; `synchronous = FULL` fsyncs
 * the WAL on every commit, so a hand-off the bot has confirmed survives `kill -9` or power loss right
 * after; `busy_timeout` waits for a second process (a migration script) instead of failing at once.
 * A directory or file this process cannot write fails here, with its name: in WAL mode SQLite maps the
 * `-shm` file into memory, and a shared-memory file it cannot write would otherwise fail later and obscurely.
 */
export function openSqliteDatabase(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, sqliteFileName);
  const unwritable = writableProblem(dataDir, file);
  if (unwritable) throw new Error(`Cannot use the embedded database: ${unwritable} (check DATA_DIR and its owner and permissions)`);
  const connection = openSqliteConnection(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  const opened = { dir: identityOf(dataDir), file: identityOf(file) };
  const same = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino;

  // In WAL mode SQLite maps `-shm` into memory. If something truncates that file while it is mapped, the next
  // touch of the mapping raises SIGBUS and the process dies with nothing logged: no JavaScript handler can run.
  // So before every batch of statements the file's size is checked; once it shrank, the connection is never
  // touched again, not even to close it, and every statement fails with a clear error.
  // The size is read with fstat on a descriptor of the very file SQLite mapped, opened once the file exists (a
  // new database creates it at its first read): no path lookup on every batch (a stat by path was ~1% of a
  // turn's CPU under load, issue 11; fstat costs about a third less), and it sees exactly what can raise SIGBUS,
  // that inode shrinking. A -shm file replaced or unlinked by path leaves SQLite's mapping of the old inode
  // valid (no SIGBUS); filesProblem reports a replaced one, as it does a replaced database file.
  // The descriptor stays open until the connection is closed: closing any descriptor of a file drops every
  // POSIX lock this process holds on it, SQLite's shared-memory locks included.
  const shm = `${file}-shm`;
  let shmDescriptor: number | undefined;
  let shmIdentity: Identity | undefined;
  let closed = false;
  const shmSize = (): number => {
    if (shmDescriptor !== undefined) return fstatSync(shmDescriptor).size;
    if (closed) return statSync(shm).size;
    const descriptor = openSync(shm, 'r');
    const { dev, ino, size } = fstatSync(descriptor);
    shmDescriptor = descriptor;
    shmIdentity = { dev, ino };
    return size;
  };
  let mappedShmSize = 0;
  let broken: string | undefined;
  const sharedMemoryProblem = (): string | undefined => {
    if (broken) return broken;
    let size: number;
    try {
      size = shmSize();
    } catch {
      // Not created yet, or gone with its directory (the mapping of an unlinked file stays valid; filesProblem
      // reports the removal).
      return undefined;
    }
    if (size < mappedShmSize) {
      broken = `the shared-memory file ${shm} was truncated or replaced while the database had it mapped (by another process or a tool); restart the process`;
      return broken;
    }
    mappedShmSize = size;
    return undefined;
  };
  sharedMemoryProblem();
  // Kysely prepares every statement it runs; compiling the same SQL again on every turn was a few percent of a
  // turn's CPU (issue 11). Statements are reused by their SQL text (our queries are a fixed set, the cap only
  // guards against surprises); one still being iterated (busy) is not shared.
  const statements = new Map<string, ReturnType<typeof connection.prepare>>();
  const preparedStatementLimit = 500;
  const prepareOnce = (sql: string) => {
    const cached = statements.get(sql);
    if (cached && !cached.busy) return cached;
    const statement = connection.prepare(sql);
    if (!cached) {
      if (statements.size >= preparedStatementLimit) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  const refuseWhenBroken = (): void => {
    const problem = sharedMemoryProblem();
    if (problem) throw new StorageUnavailableError(`SQLite refused: ${problem}`);
  };
  const guarded: SqliteDialectConfig['database'] = {
    close() {
      statements.clear();
      if (broken) return;
      connection.close();
      closed = true;
      if (shmDescriptor !== undefined) closeSync(shmDescriptor);
      shmDescriptor = undefined;
    },
    prepare(sql: string) {
      refuseWhenBroken();
      return prepareOnce(sql);
    },
  };

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: guarded }) });
  const statementsOnConnection: SqliteStatements = {
    run: (text, parameters = []) => prepareOnce(text).run(parameters),
    all: <Row>(text: string, parameters: readonly unknown[] = []) => prepareOnce(text).all(parameters) as Row[],
  };
  // Kysely's SQLite driver has one connection behind a mutex; holding it here keeps every statement of `work`
  // out of any other query or open transaction. `work` is synchronous: the shared-memory check once covers it.
  const direct: SqliteDirect = (work) =>
    db.connection().execute(async () => {
      refuseWhenBroken();
      return work(statementsOnConnection);
    });

  return {
    db,
    file,
    direct,
    filesProblem() {
      const shared = sharedMemoryProblem();
      if (shared) return shared;
      try {
        if (!same(identityOf(dataDir), opened.dir)) return `the data directory ${dataDir} was removed or replaced while the database was open`;
        if (!same(identityOf(file), opened.file)) return `the database file ${file} was removed or replaced while it was open`;
        if (shmIdentity && existsSync(shm) && !same(identityOf(shm), shmIdentity)) return `the shared-memory file ${shm} was replaced while the database had it mapped (by another process or a tool); restart the process`;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'ENOENT' ? `the database file ${file} or its directory no longer exists (data directory removed?)` : `cannot check ${file}: ${code ?? String(error)}`;
      }
      return writableProblem(dataDir, file);
    },
  };
}
