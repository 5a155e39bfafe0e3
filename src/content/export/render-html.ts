import type { Block, Cell, ExportDocument, Section } from './document';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Line breaks in a message are part of it: kept visible. */
const multiline = (text: string) => escapeHtml(text).replace(/\n/g, '<br>');

/** Inline, printable, no web fonts, no scripts, no external request of any kind. */
const css = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #005a8c; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin-top: 1.2rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #b0b0b0; padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #eef3f7; }
td.code, code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .82rem; overflow-wrap: anywhere; }
td.code:first-child { min-width: 12rem; }
td.muted { color: #6b6b6b; font-style: italic; }
.note { display: block; color: #4a4a4a; font-size: .78rem; margin-top: .25rem; }
nav ol { columns: 2; }
figure { margin: 1rem 0; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
details.mermaid pre { white-space: pre-wrap; font-size: .75rem; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h2 { break-before: page; }
  tr, figure { break-inside: avoid; }
  nav, details.mermaid { display: none; }
  figure { overflow: visible; }
}
`;

function cellHtml(cell: Cell, tag: 'td' | 'th' = 'td'): string {
  const classes = [cell.code ? 'code' : '', cell.muted ? 'muted' : ''].filter(Boolean).join(' ');
  const attributes = `${classes ? ` class="${classes}"` : ''}${cell.lang ? ` lang="${escapeHtml(cell.lang)}"` : ''}`;
  const notes = (cell.notes ?? []).map((note) => `<span class="note">${multiline(note)}</span>`).join('');
  return `<${tag}${attributes}>${multiline(cell.text)}${notes}</${tag}>`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${multiline(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((item) => `<li>${multiline(item)}</li>`).join('')}</ul>`;
    case 'table':
      return [
        '<table>',
        `<thead><tr>${block.columns.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr></thead>`,
        '<tbody>',
        ...block.rows.map((row) => `<tr${row.id ? ` id="${escapeHtml(row.id)}"` : ''}>${row.cells.map((cell) => cellHtml(cell)).join('')}</tr>`),
        '</tbody></table>',
      ].join('\n');
    case 'diagram':
      return [
        `<figure><figcaption>${escapeHtml(block.title)}</figcaption>`,
        block.svg,
        '</figure>',
        `<details class="mermaid"><summary>The same tree as Mermaid text</summary><pre>${escapeHtml(block.mermaid)}</pre></details>`,
      ].join('\n');
  }
}

function sectionHtml(section: Section, level: number): string {
  const heading = `h${Math.min(level, 6)}`;
  return [
    `<section id="${escapeHtml(section.id)}">`,
    `<${heading}>${escapeHtml(section.title)}</${heading}>`,
    ...section.blocks.map(blockHtml),
    ...(section.subsections ?? []).map((sub) => sectionHtml(sub, level + 1)),
    '</section>',
  ].join('\n');
}

/** One self-contained document: inline CSS and SVG, nothing loaded from anywhere. */
export function renderHtml(document: ExportDocument): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Belt and braces: even a browser that found a URL in here would not fetch it.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">',
    `<title>${escapeHtml(document.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(document.title)}</h1>`,
    `<dl class="facts">${document.facts.map((fact) => `<dt>${escapeHtml(fact.label)}</dt><dd>${multiline(fact.value)}</dd>`).join('')}</dl>`,
    '</header>',
    `<nav aria-label="Contents"><h2>Contents</h2><ol>${document.sections.map((section) => `<li><a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a></li>`).join('')}</ol></nav>`,
    '<main>',
    ...document.sections.map((section) => sectionHtml(section, 2)),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
