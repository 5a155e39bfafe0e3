import type { Block, Cell, ExportDocument, Section } from './document';

/**
 * Text inside a Markdown table cell: pipes escaped, line breaks as <br>, and angle brackets as entities so a
 * message can never be read as HTML. Everything else stays as written, so the words can be searched for.
 */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function cellMarkdown(cell: Cell): string {
  const text = cell.code ? `\`${cell.text.replace(/`/g, "'")}\`` : escapeMarkdownCell(cell.text);
  const shown = cell.muted ? `_${text}_` : text;
  const notes = (cell.notes ?? []).map((note) => `<br><sub>${escapeMarkdownCell(note)}</sub>`).join('');
  return `${shown}${notes}`;
}

function blockMarkdown(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((item) => `- ${item.replace(/\n/g, '\n  ')}`).join('\n');
    case 'table':
      return [
        `| ${block.columns.map(escapeMarkdownCell).join(' | ')} |`,
        `|${block.columns.map(() => '---').join('|')}|`,
        ...block.rows.map((row) => `| ${row.cells.map(cellMarkdown).join(' | ')} |`),
      ].join('\n');
    case 'diagram':
      return [`**${block.title}**`, '', '```mermaid', block.mermaid, '```'].join('\n');
  }
}

function sectionMarkdown(section: Section, level: number): string {
  return [
    `${'#'.repeat(Math.min(level, 6))} ${section.title}`,
    ...section.blocks.map(blockMarkdown),
    ...(section.subsections ?? []).map((sub) => sectionMarkdown(sub, level + 1)),
  ].join('\n\n');
}

/** The Markdown twin: the same document, for diffs between versions and for reading in a repository. */
export function renderMarkdown(document: ExportDocument): string {
  return [
    `# ${document.title}`,
    document.facts.map((fact) => `- **${fact.label}:** ${fact.value.replace(/\n/g, ' ')}`).join('\n'),
    '## Contents',
    document.sections.map((section, index) => `${index + 1}. ${section.title}`).join('\n'),
    ...document.sections.map((section) => sectionMarkdown(section, 2)),
    '',
  ].join('\n\n');
}
