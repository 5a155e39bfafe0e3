import type { Referral } from '../storage/ports';

/**
 * Spreadsheet apps run a cell that starts with = + - @ (or a tab / carriage return) as a formula, and names,
 * best times and notes are typed by the public. Opened with another separator than ours (';' in many European
 * Excel locales, tab, '|'), or by a reader that ignores quotes, "Li;=1+2" splits and "=1+2" starts a cell. So,
 * following OWASP's CSV-injection advice, a risky cell gets a leading apostrophe (phone numbers show as '+86…),
 * an apostrophe before every formula character that follows a separator or line break, and is quoted.
 */
const formulaStart = /^[=+\-@\t\r]/;
/**
 * Positions where a reader could start a cell (after a separator any spreadsheet may use, or a line break), then
 * spaces or quotes (a quote there only opens and closes a quoted part), before a formula character.
 */
const formulaAfterSeparator = /(?<=[,;\t|\r\n][\s"]*)(?=[=+\-@\t\r])/g;

export function guardCsvCell(value: string): string {
  const inner = value.replace(formulaAfterSeparator, "'");
  return formulaStart.test(inner) || inner !== value ? `'${inner}` : inner;
}

/**
 * RFC 4180: quote when the cell holds a quote or a line break; double embedded quotes. Also any separator a
 * spreadsheet may pick (',', ';', tab, '|'), so the cell stays one cell whichever it uses.
 */
export function quoteCsvCell(value: string): string {
  return /[",;\t\r\n|]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
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
