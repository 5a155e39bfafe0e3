import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfig } from '../../config/site-schema';
import { codeCell, type Section, textCell } from './document';

export interface SiteFileInfo {
  /** As configured (SITE_CONFIG_PATH), resolved against the project root. */
  absolutePath: string;
  /** Project-relative when inside the project. */
  shownPath: string;
  sha256: string;
  /** Inside content/: then the content version covers it. */
  coveredByContentVersion: boolean;
}

export function siteFileInfo(rootDir: string, sitePath: string): SiteFileInfo {
  const absolutePath = path.resolve(rootDir, sitePath);
  const relative = path.relative(rootDir, absolutePath).split(path.sep).join('/');
  const inside = !relative.startsWith('..') && !path.isAbsolute(relative);
  return {
    absolutePath,
    shownPath: inside ? relative : absolutePath,
    sha256: createHash('sha256').update(readFileSync(absolutePath)).digest('hex'),
    coveredByContentVersion: inside && relative.startsWith('content/'),
  };
}

function flatten(value: unknown, prefix = ''): Array<[string, string]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, Array.isArray(value) ? value.join(', ') : String(value)]];
}

export function siteSection(site: SiteConfig, info: SiteFileInfo, retention: { chatStateDays: number; referralDays: number }): Section {
  const coverage = info.coveredByContentVersion
    ? 'It lives in content/, so the content version covers it: changing a number changes the version.'
    : 'It lives outside content/, so the content version does NOT cover it: approve these values together with the version, by this file\'s SHA-256.';
  return {
    id: 'site',
    title: 'Site file and configuration values',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `The hospital's own facts (SITE_CONFIG_PATH = ${info.shownPath}, SHA-256 ${info.sha256}). ${coverage}` +
          (site.example ? ' WARNING: this file holds EXAMPLE values ("example": true); a site must use its own file before going live.' : ''),
      },
      { kind: 'table', columns: ['Field', 'Value'], rows: flatten(site).map(([field, value]) => ({ id: `site-${field}`, cells: [codeCell(field), textCell(value)] })) },
      { kind: 'paragraph', text: 'Configuration values the texts state:' },
      {
        kind: 'table',
        columns: ['Variable', 'Value', 'Used in'],
        rows: [
          { cells: [codeCell('CHAT_STATE_RETENTION_DAYS'), textCell(String(retention.chatStateDays)), textCell('{{chatStateDays}}: how long the chat keeps answers')] },
          { cells: [codeCell('REFERRAL_RETENTION_DAYS'), textCell(String(retention.referralDays)), textCell('{{retentionDays}}, {{referralDays}}: how long a request for a call is kept')] },
        ],
      },
    ],
  };
}

/** The Sources table of FACTS.md (id | source), when the fact sheet is beside the project (../shared/study). */
export function factsSources(rootDir: string): Array<{ id: string; source: string }> | undefined {
  const file = path.resolve(rootDir, '..', 'shared', 'study', 'FACTS.md');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('## Sources');
  if (start < 0) return undefined;
  const rows: Array<{ id: string; source: string }> = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    const match = /^\|\s*([A-Z]\d+)\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (match?.[1] && match[2]) rows.push({ id: match[1], source: match[2] });
  }
  return rows.length > 0 ? rows : undefined;
}

export function sourcesSection(sources: Array<{ id: string; source: string }> | undefined): Section {
  return {
    id: 'sources',
    title: 'FACTS.md source ids',
    blocks: sources
      ? [
          { kind: 'paragraph', text: 'Every study statement traces to one of these rows of the fact sheet (FACTS.md); the pre-check criteria and topics below name them.' },
          { kind: 'table', columns: ['Id', 'Source'], rows: sources.map((source) => ({ id: `source-${source.id}`, cells: [codeCell(source.id), textCell(source.source)] })) },
        ]
      : [{ kind: 'paragraph', text: 'FACTS.md was not found beside the project (../shared/study/FACTS.md): the ids below refer to its Sources table.' }],
  };
}
