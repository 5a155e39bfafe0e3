import { DomainError } from '../errors/domain-errors';

/** Thrown for a cursor this store did not issue (the API answers 400). */
export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid_cursor', 'Invalid pagination cursor');
  }
}

export interface ReferralCursor {
  createdAt: number;
  id: string;
}

/** Opaque to clients: the position of the last item of a page in (created_at, id) order. */
export function encodeReferralCursor(cursor: ReferralCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

export function decodeReferralCursor(text: string): ReferralCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw Object.assign(new InvalidCursorError(), { cause: error });
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || typeof id !== 'string' || id === '') throw new InvalidCursorError();
  return { createdAt, id };
}
