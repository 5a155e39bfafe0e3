import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRow } from '../../src/handoff/referral-csv';

/**
 * Issue 8, finding 6: "Li;=1+2" in a cell. Opened where ';' separates cells (Excel in many European locales,
 * LibreOffice when asked), a cell that holds a separator followed by = + - @ would start a new cell with a
 * formula unless the whole cell is quoted. OWASP's CSV-injection advice: quote the cell, escape quotes, and
 * prefix a risky cell with an apostrophe.
 */
const separators = [',', ';', '\t', '|'] as const;
const formulaStart = /^[=+\-@\t\r]/;

/** A spreadsheet's reading of a row with `separator`, honouring RFC 4180 quotes only at a cell's start; line breaks outside quotes end a cell too. */
function readCells(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === separator || char === '\n' || char === '\r') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

describe('CSV cells cannot become formulas, whatever the separator', () => {
  it('quotes "Li;=1+2" and neutralises it with an apostrophe', () => {
    expect(csvRow(['Li;=1+2'])).toBe(`"'Li;'=1+2"`);
    // Read with ';' even when it is not the first cell: the part after the separator is text.
    expect(readCells(csvRow(['TG-7K3Q9', 'Li;=1+2']), ';')).toEqual([`TG-7K3Q9,"'Li`, `'=1+2"`]);
    expect(readCells(csvRow(['Li;=1+2', 'x']), ',')).toEqual([`'Li;'=1+2`, 'x']);
  });

  it.each([
    ['Chen|=HYPERLINK("http://evil.example")', `"'Chen|'=HYPERLINK(""http://evil.example"")"`],
    ['mornings;+1', `"'mornings;'+1"`],
    ['a;\t-2', `"'a;'\t'-2"`],
    ['evening; @SUM(A1)', `"'evening; '@SUM(A1)"`],
    ['call me\n=1+2', `"'call me\n'=1+2"`],
    ['=1+2', `'=1+2`],
    ['+8613812345678', `'+8613812345678`],
    ['after 6 pm; weekdays', `"after 6 pm; weekdays"`],
    ['陈女士', '陈女士'],
  ])('%j is written as %j', (cell, written) => {
    expect(csvRow([cell])).toBe(written);
  });

  it('property: read with any separator, no cell of a row starts with a formula character (300 runs)', () => {
    const risky = fc.constantFrom('=', '+', '-', '@', '\t', '\r', ';', ',', '|', '"', '\n', ' ', 'a', '1', '李');
    const cellText = fc.oneof(fc.string(), fc.array(risky, { maxLength: 12 }).map((chars) => chars.join('')));
    const seed = Date.now() % 2_147_483_647;
    console.info(`referral-csv property seed ${seed}`);
    fc.assert(
      fc.property(fc.array(cellText, { minLength: 1, maxLength: 4 }), fc.constantFrom(...separators), (cells, separator) => {
        const line = csvRow(cells);
        for (const read of readCells(line, separator)) expect(read).not.toMatch(formulaStart);
      }),
      { numRuns: 300, seed },
    );
  });
});
