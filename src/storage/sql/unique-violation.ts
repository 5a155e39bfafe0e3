/** True when `error` is a unique-constraint violation on `indexName` (PostgreSQL) or on `table.column` (SQLite). */
export function isUniqueViolation(error: unknown, indexName: string, sqliteColumn: string): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === indexName;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return typeof message === 'string' && message.includes(sqliteColumn);
  return false;
}
