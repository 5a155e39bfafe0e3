/**
 * TrialGuide's domain errors: failures with a meaning of their own (as opposed to bugs), each with a stable
 * code. Codes are written to logs and read by operators and alerts, so a code is never renamed and never
 * reused for another meaning: a code that is no longer raised moves to `retiredDomainErrorCodes`.
 * docs/errors.md documents every code (tests/unit/errors-catalogue.test.ts keeps the two in step).
 *
 * This module imports nothing from the project, so any layer (storage, security, config, dialogs) can use it.
 */
export const domainErrors = {
  config_invalid: { className: 'ConfigError', summary: 'The environment or the site file failed validation at start.' },
  content_not_approved: { className: 'ContentApprovalError', summary: 'REQUIRE_APPROVED_CONTENT=true and the wording shipped has no approval on record (or the approvals file is malformed).' },
  storage_unavailable: { className: 'StorageUnavailableError', summary: 'The database could not be reached or could not make a write durable.' },
  state_etag_conflict: { className: 'ETagConflictError', summary: 'Another turn (this or another instance) wrote the conversation state since this turn read it.' },
  encryption_key_mismatch: { className: 'EncryptionKeyMismatchError', summary: 'DATA_ENCRYPTION_KEY is not the key the stored data was written with.' },
  decryption_failed: { className: 'DecryptionError', summary: 'A stored encrypted value could not be decrypted (wrong key or context, tampering, unknown envelope).' },
  invalid_cursor: { className: 'InvalidCursorError', summary: 'A pagination cursor this store did not issue.' },
  referral_lookup_limit: { className: 'ReferralLookupLimitError', summary: 'A conversation or a client address spent its hourly referral lookups (look-up and erase by reference).' },
} as const satisfies Record<string, { className: string; summary: string }>;

export type DomainErrorCode = keyof typeof domainErrors;

/** Codes once used and no longer raised: never given a new meaning. */
export const retiredDomainErrorCodes: readonly string[] = [];

/** The base of every domain error: `code` is stable, `message` is for operators (never personal data). */
export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = domainErrors[code].className;
  }
}

/** The code of `error` or of an error it wraps (`cause`, botbuilder's DialogContextError `error`), if any. */
export function domainErrorCodeOf(error: unknown, depth = 0): DomainErrorCode | undefined {
  if (error instanceof DomainError) return error.code;
  if (!error || typeof error !== 'object' || depth >= 4) return undefined;
  const { cause, error: wrapped } = error as { cause?: unknown; error?: unknown };
  return domainErrorCodeOf(cause, depth + 1) ?? domainErrorCodeOf(wrapped, depth + 1);
}

/** References are short: a conversation (or a client address) may look up only a few per hour. */
export class ReferralLookupLimitError extends DomainError {
  constructor(readonly spentBy: 'conversation' | 'client_address') {
    super('referral_lookup_limit', `too many referral lookups for a ${spentBy === 'conversation' ? 'conversation' : 'client address'}`);
  }
}

/** Startup stops: the configured data encryption key cannot read what is stored. */
export class EncryptionKeyMismatchError extends DomainError {
  constructor() {
    super('encryption_key_mismatch', 'The data encryption key does not match the stored data: restore the original DATA_ENCRYPTION_KEY (or the key file in DATA_DIR)');
  }
}
