import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, projectRoot } from '../../src/config/load-config';
import { ContentApprovalError } from '../../src/content/content-approval';
import { DomainError, domainErrorCodeOf, domainErrors, EncryptionKeyMismatchError, ReferralLookupLimitError, retiredDomainErrorCodes } from '../../src/errors/domain-errors';
import { httpErrors } from '../../src/http/error-catalogue';
import { DecryptionError } from '../../src/security/field-encryption';
import { InvalidCursorError } from '../../src/storage/referral-cursor';
import { ETagConflictError, StorageUnavailableError } from '../../src/storage/storage-errors';

const doc = readFileSync(path.join(projectRoot, 'docs', 'errors.md'), 'utf8');

/** The first-column codes of the table under a `## heading`, and the line listing its retired codes. */
function documented(heading: string): { codes: string[]; rows: Map<string, string[]> } {
  const section = doc.split(/^## /m).find((part) => part.startsWith(heading));
  if (!section) throw new Error(`docs/errors.md has no section "${heading}"`);
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const code = /^`([a-z_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (code) rows.set(code, cells);
  }
  return { codes: [...rows.keys()], rows };
}

/** One instance of every domain error class, as the code raises it. */
const instances: DomainError[] = [
  new ConfigError(['PORT: expected a number']),
  new ContentApprovalError('no approval'),
  new StorageUnavailableError('refused'),
  new ETagConflictError('directline/abc/conversations/x'),
  new EncryptionKeyMismatchError(),
  new DecryptionError('bad tag'),
  new InvalidCursorError(),
  new ReferralLookupLimitError('conversation'),
];

describe('error catalogues and docs/errors.md', () => {
  it('documents every domain error code, and every documented domain code exists', () => {
    const { codes, rows } = documented('Domain errors');
    expect(codes.length).toBeGreaterThan(0);
    expect([...codes].sort()).toEqual(Object.keys(domainErrors).sort());
    expect.hasAssertions();
    for (const [code, entry] of Object.entries(domainErrors)) expect(rows.get(code)?.[1], code).toContain(`\`${entry.className}\``);
  });

  it('documents every HTTP error code with its status, and every documented HTTP code exists', () => {
    const { codes, rows } = documented('HTTP errors');
    expect([...codes].sort()).toEqual(Object.keys(httpErrors).sort());
    expect.hasAssertions();
    for (const [code, entry] of Object.entries(httpErrors)) expect(rows.get(code)?.[1], code).toBe(String(entry.status));
  });

  it('never reuses a code: retired codes are not active, domain and HTTP codes are distinct', () => {
    const active = new Set(Object.keys(domainErrors));
    expect.hasAssertions();
    for (const retired of retiredDomainErrorCodes) expect(active.has(retired), retired).toBe(false);
    for (const code of Object.keys(httpErrors)) expect(active.has(code), code).toBe(false);
  });

  it('every domain error class carries its catalogue code and class name, and each code has one class', () => {
    expect.hasAssertions();
    for (const error of instances) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(domainErrors[error.code].className);
    }
    expect(new Set(instances.map((error) => error.code)).size).toBe(instances.length);
    expect(instances.map((error) => error.code).sort()).toEqual(Object.keys(domainErrors).sort());
  });

  it('finds the code through wrappers (cause, botbuilder DialogContextError) and none on a plain error', () => {
    const limit = new ReferralLookupLimitError('client_address');
    expect(domainErrorCodeOf(new Error('outer', { cause: limit }))).toBe('referral_lookup_limit');
    expect(domainErrorCodeOf({ name: 'DialogContextError', error: new StorageUnavailableError('down') })).toBe('storage_unavailable');
    expect(domainErrorCodeOf(new Error('plain'))).toBeUndefined();
    expect(domainErrorCodeOf(undefined)).toBeUndefined();
    expect(limit.message).not.toMatch(/[A-Z0-9]{5}/);
  });
});
