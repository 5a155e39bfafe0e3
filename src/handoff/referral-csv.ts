import type { Referral } from '../storage/ports';

/**
 * Spreadsheet apps run a cell that starts with = + - @ (or a tab / carriage return) as a formula, and names,
 * best times and notes are typed by the public. Such cells get a leading apostrophe (OWASP's advice), which
 * also means phone numbers show as '+86….
 */
export function guardCsvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180: quote when the cell holds a quote, comma or line break; double embedded quotes. */
export function quoteCsvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvRow(cells: ReadonlyArray<string | undefined | null>): string {
  return cells.map((cell) => quoteCsvCell(guardCsvCell(cell ?? ''))).join(',');
}

export const referralCsvColumns = [
  'reference',
  'id',
  'status',
  'created_at',
  'updated_at',
  'channel',
  'locale',
  'precheck_outcome',
  'precheck_reasons',
  'precheck_flags',
  'name',
  'phone',
  'email',
  'best_time',
  'preferred_language',
  'relationship',
  'note',
] as const;

export function referralCsvRow(referral: Referral): string {
  const { contact, precheck } = referral;
  return csvRow([
    referral.reference,
    referral.id,
    referral.status,
    referral.createdAt.toISOString(),
    referral.updatedAt.toISOString(),
    referral.channel,
    referral.locale,
    precheck?.outcome,
    precheck?.reasons.join(' '),
    precheck?.flags.join(' '),
    contact.name,
    contact.phone,
    contact.email,
    contact.bestTime,
    contact.preferredLanguage,
    contact.relationship,
    referral.note,
  ]);
}

/** A BOM so Excel opens the UTF-8 (Chinese names) correctly; CRLF line ends per RFC 4180. */
export function referralCsv(referrals: readonly Referral[]): string {
  return `\uFEFF${[csvRow(referralCsvColumns), ...referrals.map(referralCsvRow)].join('\r\n')}\r\n`;
}
