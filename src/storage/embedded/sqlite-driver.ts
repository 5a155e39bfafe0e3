import type BetterSqlite3 from 'better-sqlite3';

export type SqliteConnection = BetterSqlite3.Database;
type SqliteConstructor = new (file: string, options?: BetterSqlite3.Options) => SqliteConnection;

/**
 * The SQLite driver for the running Node. better-sqlite3 13 is built on Node-API and ships prebuilt binaries,
 * but crashes on Node 20; better-sqlite3 12 (raw ObjectWrap) runs on Node 20 but aborts on Node 24 when
 * statements are garbage-collected. Both expose the same API, so pick by Node's major version. Version 13 is
 * installed under the npm alias `better-sqlite3-napi`; 12 is optional (it compiles from source on install).
 */
export function sqliteDriver(nodeMajor = Number(process.versions.node.split('.')[0])): SqliteConstructor {
  // Loaded lazily on purpose: merely loading the other version's binary crashes this Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (nodeMajor >= 22) return require('better-sqlite3-napi') as SqliteConstructor;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as SqliteConstructor;
  } catch (error) {
    throw new Error(
      `Node ${process.versions.node} needs better-sqlite3 12, built from source at install (python3, make, g++), and it did not load: ${(error as Error).message}. Install the build tools and run npm rebuild better-sqlite3, or use Node 22+.`,
    );
  }
}

export function openSqliteConnection(file: string, options?: BetterSqlite3.Options): SqliteConnection {
  const Driver = sqliteDriver();
  return new Driver(file, options);
}
