import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { handoffConsentVersion } from '../../../dialogs/handoff/handoff-dialog';
import { loadPrecheckCriteria, precheckFile } from '../../../dialogs/precheck/precheck-criteria';
import { commandsFile } from '../../../dialogs/shared/commands';
import { progressOf } from '../../../dialogs/precheck/precheck-flow';
import type { SiteConfig } from '../../config/site-schema';
import { type Locale, supportedLocales } from '../../i18n/locales';
import { type ContentStatus, contentStatus } from '../content-approval';
import { redFlagsFile } from '../content-catalogue';
import { readContentFile } from '../content-files';
import { topicsFile } from '../topics-file';
import { buildDialogTree, dialogTreeMermaid, dialogTreeSvg } from './dialog-tree';
import type { ExportDocument, Section } from './document';
import { type LocaleMessages, messageOf, readLocaleMessages } from './locale-messages';
import { localeColumns, messagesSection } from './messages-section';
import type { PlaceholderContext } from './placeholders';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import { factsSources, siteFileInfo, siteSection, sourcesSection } from './site-section';
import { consentSection, precheckSection, safetySection, topicsSection } from './study-sections';

export interface ContentExportInput {
  rootDir: string;
  site: SiteConfig;
  /** SITE_CONFIG_PATH as configured. */
  sitePath: string;
  retention: { chatStateDays: number; referralDays: number };
  /** When the export was made (an injected clock in tests). */
  now: Date;
}

export interface ContentExport {
  status: ContentStatus;
  document: ExportDocument;
  html: string;
  markdown: string;
}

function placeholderContext(input: ContentExportInput, messages: LocaleMessages, questionCount: number, ages: { min: number; max: number }): PlaceholderContext {
  const registryStatusText = Object.fromEntries(
    supportedLocales.map((locale) => {
      const text = messageOf(messages, `topics:registryStatus.${input.site.registry.status}`, locale);
      return [locale, typeof text === 'string' ? text : input.site.registry.status];
    }),
  ) as Record<Locale, string>;
  return { site: input.site, retention: input.retention, precheck: { minAge: ages.min, maxAge: ages.max, questionCount }, registryStatusText };
}

/** Builds the whole export from the files on disk: the same files the content version hashes. */
export function buildContentExport(input: ContentExportInput): ContentExport {
  const { rootDir } = input;
  const status = contentStatus(rootDir);
  const messages = readLocaleMessages(rootDir);
  const criteria = loadPrecheckCriteria(readContentFile(rootDir, precheckFile));
  const topics = readContentFile(rootDir, topicsFile);
  const redFlags = readContentFile(rootDir, redFlagsFile);
  const commandIds = Object.keys(readContentFile(rootDir, commandsFile).commands);
  const ageQuestion = criteria.questions.find((question) => question.kind === 'age');
  const firstQuestion = criteria.questions[0];
  const questionCount = firstQuestion ? progressOf(criteria, firstQuestion.id).total : 0;
  const placeholders = placeholderContext(input, messages, questionCount, { min: ageQuestion?.kind === 'age' ? ageQuestion.min : 0, max: ageQuestion?.kind === 'age' ? ageQuestion.max : 0 });

  const columns = localeColumns(messages, placeholders);
  const exists = (key: string) => supportedLocales.some((locale) => messageOf(messages, key, locale) !== undefined);
  const english = (key: string) => {
    const value = messageOf(messages, key, 'en');
    return typeof value === 'string' ? value : undefined;
  };
  const tree = buildDialogTree({ english, topics, precheck: criteria, commandIds });
  const site = siteFileInfo(rootDir, input.sitePath);
  const { content, approval } = status;

  const treeSection: Section = {
    id: 'dialog-tree',
    title: 'The dialog tree',
    blocks: [
      {
        kind: 'paragraph',
        text: 'What can follow what. Each step names its dialog id or the message key whose words are in the tables (grey). Retries, "back" and the reply to a question typed in the middle of a question are left out.',
      },
      { kind: 'diagram', title: 'Dialog tree', svg: dialogTreeSvg(tree), mermaid: dialogTreeMermaid(tree) },
    ],
  };

  const document: ExportDocument = {
    title: 'TrialGuide (study NCT04548271): every message, for ethics review',
    facts: [
      { label: 'Content version', value: `${content.version} (SHA-256 ${content.sha256} of ${content.files.length} files in content/ and locales/, without content/approved.json)` },
      { label: 'Made on', value: input.now.toISOString() },
      { label: 'Approval', value: approval ? `approved by ${approval.approvedBy} on ${approval.approvedAt}${approval.note ? ` (${approval.note})` : ''}` : 'NOT approved: content/approved.json has no entry for this version' },
      { label: 'Site file', value: `${site.shownPath} (SHA-256 ${site.sha256})${input.site.example ? ': EXAMPLE values' : ''}; ${site.coveredByContentVersion ? 'covered by the content version' : 'NOT covered by the content version'}` },
      { label: 'Wording versions', value: `consent ${handoffConsentVersion}, pre-check ${criteria.version}, topics ${topics.version}` },
      { label: 'Languages', value: [...messages.locales, ...messages.overrides.map((override) => `${override.tag} (overrides)`)].join(', ') },
    ],
    sections: [
      treeSection,
      messagesSection(messages, placeholders),
      sourcesSection(factsSources(rootDir)),
      precheckSection(criteria, columns, exists),
      topicsSection(topics, columns, exists, (id) => english(`topics:${id}.title`) ?? id),
      safetySection(redFlags, columns),
      consentSection(handoffConsentVersion, columns, exists),
      siteSection(input.site, site, input.retention),
    ],
  };
  return { status, document, html: renderHtml(document), markdown: renderMarkdown(document) };
}

/** Writes `trialguide-content-<version>.html` and `.md` into `outDir` (created if missing); returns both paths. */
export function writeContentExport(outDir: string, built: ContentExport): { html: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `trialguide-content-${built.status.content.version}`);
  writeFileSync(`${base}.html`, built.html, 'utf8');
  writeFileSync(`${base}.md`, built.markdown, 'utf8');
  return { html: `${base}.html`, markdown: `${base}.md` };
}
