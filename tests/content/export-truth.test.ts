import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DialogServices } from '../../dialogs/dialog-services';
import { dialogIds } from '../../dialogs/ids';
import { loadPrecheckCriteria } from '../../dialogs/precheck/precheck-criteria';
import { siteTextParams } from '../../dialogs/topics/topic-params';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { buildDialogTree, dialogTreeMermaid, dialogTreeSvg, flattenTree } from '../../src/content/export/dialog-tree';
import { messageOf, readLocaleMessages } from '../../src/content/export/locale-messages';
import { isStaffNamespace, type PlaceholderContext, placeholdersIn, resolvePlaceholder } from '../../src/content/export/placeholders';
import { siteFileInfo } from '../../src/content/export/site-section';
import type { TopicsFile } from '../../src/content/export/study-sections';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';

const config = loadConfig({ CHAT_STATE_RETENTION_DAYS: '21', REFERRAL_RETENTION_DAYS: '90' });
const messages = readLocaleMessages(projectRoot);
const criteria = loadPrecheckCriteria(JSON.parse(readFileSync(path.join(projectRoot, 'content', 'precheck.json'), 'utf8')));
const topics = JSON.parse(readFileSync(path.join(projectRoot, 'content', 'topics.json'), 'utf8')) as TopicsFile;
const commandIds = Object.keys((JSON.parse(readFileSync(path.join(projectRoot, 'content', 'commands.json'), 'utf8')) as { commands: object }).commands);
const ageQuestion = criteria.questions.find((question) => question.kind === 'age');

const context: PlaceholderContext = {
  site: config.site,
  retention: { chatStateDays: 21, referralDays: 90 },
  precheck: { minAge: ageQuestion?.kind === 'age' ? ageQuestion.min : -1, maxAge: ageQuestion?.kind === 'age' ? ageQuestion.max : -1, questionCount: 10 },
  registryStatusText: Object.fromEntries(supportedLocales.map((locale) => [locale, String(messageOf(messages, `topics:registryStatus.${config.site.registry.status}`, locale))])) as PlaceholderContext['registryStatusText'],
};

describe('the export says what the bot says', () => {
  it('resolves site and configuration placeholders to the values the dialogs use (siteTextParams)', () => {
    expect.hasAssertions();
    const i18n = createTranslator(projectRoot);
    // Only the fields siteTextParams reads; the rest of DialogServices plays no part here.
    const services = { i18n, site: config.site, retention: context.retention } as unknown as DialogServices;
    for (const locale of supportedLocales) {
      const expected = siteTextParams(services, locale);
      for (const [name, key] of [
        ['siteName', 'common:welcome.greeting'],
        ['emergencyNumber', 'safety:emergency'],
        ['coordinatorPhone', 'safety:medicalDecision'],
        ['chatStateDays', 'handoff:consent.chatKept'],
        ['referralDays', 'topics:privacy.more'],
        ['status', 'topics:registry-status.answer'],
        ['checkedOn', 'topics:registry-status.answer'],
      ] as const) {
        expect(resolvePlaceholder(context, key, name, locale).value, `${locale} {{${name}}}`).toBe(String(expected[name]));
      }
    }
  });

  it('knows where every placeholder of every message to participants comes from', () => {
    expect.hasAssertions();
    for (const namespace of messages.namespaces.filter((candidate) => !isStaffNamespace(candidate.name))) {
      for (const entry of namespace.entries) {
        for (const locale of supportedLocales) {
          const value = entry.values[locale];
          if (typeof value !== 'string') continue;
          for (const name of placeholdersIn(value)) {
            const resolved = resolvePlaceholder(context, `${namespace.name}:${entry.key}`, name, locale);
            expect(resolved.source, `${locale} ${namespace.name}:${entry.key} {{${name}}}`).not.toMatch(/not known to the export/);
          }
        }
      }
    }
  });

  it('pre-check placeholders are the criteria file\'s, not the message length', () => {
    expect(resolvePlaceholder(context, 'precheck:reasons.age', 'max', 'en').value).toBe(String(ageQuestion?.kind === 'age' ? ageQuestion.max : ''));
    expect(resolvePlaceholder(context, 'common:input.tooLong', 'max', 'en').source).toMatch(/longest message/);
    expect(resolvePlaceholder(context, 'handoff:check.status', 'status', 'en').value).toBeUndefined();
    // The terminal chat's stand-in for a pre-check text is filled like the text it replaces.
    expect(resolvePlaceholder(context, 'terminal:replaces.precheck.reasons.age', 'max', 'en')).toEqual(resolvePlaceholder(context, 'precheck:reasons.age', 'max', 'en'));
    // The staff console's own values are never mistaken for the site file's.
    expect(resolvePlaceholder(context, 'console:list.count', 'phone', 'en')).toEqual({ source: 'filled in by the coordinators\' console page' });
    expect(['common', 'topics', 'precheck', 'handoff', 'safety', 'channels'].some(isStaffNamespace)).toBe(false);
  });

  it('says whether the site file is covered by the content version: only inside content/', () => {
    expect(siteFileInfo(projectRoot, 'content/site.example.json')).toMatchObject({ shownPath: 'content/site.example.json', coveredByContentVersion: true });
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'trialguide-site-'));
    try {
      copyFileSync(path.join(projectRoot, 'content', 'site.example.json'), path.join(elsewhere, 'site.json'));
      const outside = siteFileInfo(projectRoot, path.join(elsewhere, 'site.json'));
      expect(outside.coveredByContentVersion).toBe(false);
      expect(outside.shownPath).toBe(path.join(elsewhere, 'site.json'));
      expect(outside.sha256).toBe(siteFileInfo(projectRoot, 'content/site.example.json').sha256);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('the dialog tree names only real dialog ids and message keys, and holds every topic of the menu and every pre-check question', () => {
    expect.hasAssertions();
    const english = (key: string) => {
      const value = messageOf(messages, key, 'en');
      return typeof value === 'string' ? value : undefined;
    };
    const tree = buildDialogTree({ english, topics, precheck: criteria, commandIds });
    const nodes = flattenTree(tree).map(({ node }) => node);
    const knownIds = new Set<string>(Object.values(dialogIds));
    for (const node of nodes) {
      if (!node.ref) continue;
      if (node.ref.includes(':')) {
        // topics:<id> names a topic's keys (title, answer, more); topics:<id>.answer stands for any topic's answer.
        const key = node.ref === 'topics:<id>.answer' ? 'topics:about.answer' : /^topics:[a-z0-9-]+$/.test(node.ref) ? `${node.ref}.title` : node.ref;
        expect(messageOf(messages, key, 'en'), `${node.label} -> ${node.ref}`).toBeDefined();
      } else {
        expect(knownIds, `${node.label} -> ${node.ref}`).toContain(node.ref);
      }
    }
    const refs = new Set(nodes.map((node) => node.ref));
    const menuTopics = new Set<string>();
    const walk = (id: string) => {
      if (menuTopics.has(id)) return;
      menuTopics.add(id);
      for (const child of topics.topics.find((topic) => topic.id === id)?.children ?? []) walk(child);
    };
    walk(topics.root);
    for (const id of menuTopics) expect(refs, id).toContain(`topics:${id}`);
    for (const question of criteria.questions) expect(refs, question.id).toContain(`precheck:questions.${question.id}.question`);
    for (const id of commandIds) expect(nodes.some((node) => node.label.startsWith(`${id} → `) && !node.label.includes('see content/commands.json')), id).toBe(true);

    const svg = dialogTreeSvg(tree);
    const mermaid = dialogTreeMermaid(tree);
    expect(svg.match(/<circle /g)).toHaveLength(nodes.length);
    expect(mermaid.match(/^ {2}n\d+\["/gm)).toHaveLength(nodes.length);
    expect(mermaid.match(/-->/g)).toHaveLength(nodes.length - 1);
  });
});
