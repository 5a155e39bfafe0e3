/**
 * The export as data, rendered twice (render-html.ts, render-markdown.ts) so the HTML document and its
 * Markdown twin can never say different things. Text is plain; renderers escape it.
 */
export interface Cell {
  text: string;
  /** BCP-47 tag of the text, for the HTML `lang` attribute (fonts, screen readers). */
  lang?: string;
  /** Set in monospace (keys, ids). */
  code?: boolean;
  /** Small lines under the text: what each {{placeholder}} becomes. */
  notes?: string[];
  /** Greyed: e.g. "same as zh-Hant". */
  muted?: boolean;
}

export interface Row {
  /** Anchor (HTML id) for the row, e.g. `m-common-welcome.greeting`. */
  id?: string;
  cells: Cell[];
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; columns: string[]; rows: Row[] }
  | { kind: 'diagram'; title: string; svg: string; mermaid: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
  subsections?: Section[];
}

export interface ExportDocument {
  title: string;
  /** Key facts printed first: content version, date, site file, approval. */
  facts: Array<{ label: string; value: string }>;
  sections: Section[];
}

export const textCell = (text: string, extra: Omit<Cell, 'text'> = {}): Cell => ({ text, ...extra });
export const codeCell = (text: string): Cell => ({ text, code: true });
