import type { PrecheckCriteria } from '../../../dialogs/precheck/precheck-criteria';
import { emergencyCategories } from '../../safety/emergency-categories';
import { codeCell, type Row, type Section, textCell } from './document';
import { type LocaleColumns } from './messages-section';

/** content/topics.json as the export reads it (the topic dialog validates it fully). */
export interface TopicsFile {
  version: string;
  root: string;
  topics: Array<{ id: string; kind: string; sources: string[]; children?: string[]; related?: string[] }>;
}

const sourcesText = (sources: readonly string[]) => (sources.length > 0 ? sources.join(', ') : 'none (the study team explains)');

/** Key rows (`namespace:key` | text per locale) for the keys that exist. */
function keyRows(keys: readonly string[], columns: LocaleColumns, exists: (key: string) => boolean): Row[] {
  return keys.filter(exists).map((key) => ({ cells: [codeCell(key), ...columns.cells(key)] }));
}

export function precheckSection(criteria: PrecheckCriteria, columns: LocaleColumns, exists: (key: string) => boolean): Section {
  const reasonKeys = criteria.criteria.map((criterion) => `precheck:reasons.${criterion.id}`);
  const flagKeys = criteria.questions.flatMap((question) => (question.kind === 'yes-no' && question.flag ? [`precheck:flags.${question.flag}`, `precheck:flags.${question.flag}_family`] : []));
  const questionKeys = criteria.questions.flatMap((question) =>
    ['question', 'question_family', 'why', 'why_family', 'now', 'now_family', 'flaggedReply', 'flaggedReply_family'].map((part) => `precheck:questions.${question.id}.${part}`),
  );
  return {
    id: 'precheck',
    title: 'Pre-check criteria and questions',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `From content/precheck.json, version ${criteria.version}. Source ids are rows of FACTS.md (the study's fact sheet). ` +
          'Only questions that decide a criterion can lead to "probably not a fit"; flag questions are only listed for the study team. ' +
          `With ${criteria.cannotTellWhenUnsureAtLeast} or more "not sure" answers on deciding questions (and none that does not fit) the outcome is "can't tell yet". The pre-check never says anyone is eligible.`,
      },
      {
        kind: 'table',
        columns: ['Criterion', 'What it means', 'FACTS.md sources'],
        rows: criteria.criteria.map((criterion) => ({
          id: `criterion-${criterion.id}`,
          cells: [codeCell(criterion.id), textCell(criterion.about), textCell(sourcesText(criterion.sources))],
        })),
      },
      {
        kind: 'table',
        columns: ['#', 'Question', 'Kind', 'Decides / flags', 'FACTS.md sources'],
        rows: criteria.questions.map((question, index) => {
          const role =
            question.kind === 'yes-no' && question.flag
              ? `flag "${question.flag}" when the answer is ${question.flagWhen ?? '?'}`
              : `criterion "${question.criterion ?? ''}"${question.kind === 'yes-no' && question.fitsWhen ? `, fits when ${question.fitsWhen}` : ''}${question.kind === 'age' ? `, fits from ${question.min} to ${question.max}` : ''}`;
          const followUp = question.kind === 'yes-no' && question.followUpOf ? ` (asked only if "${question.followUpOf}" fits)` : '';
          return { id: `question-${question.id}`, cells: [textCell(String(index + 1)), codeCell(question.id), textCell(`${question.kind}${followUp}`), textCell(role), textCell(sourcesText(question.sources))] };
        }),
      },
      {
        kind: 'table',
        columns: ['Explained, never asked', 'Certainty', 'What it means', 'FACTS.md sources'],
        rows: criteria.explainedNotAsked.map((item) => ({ cells: [codeCell(item.id), textCell(item.certainty), textCell(item.about), textCell(sourcesText(item.sources))] })),
      },
      {
        kind: 'table',
        columns: ['Anti-PD-1 medicine', 'FACTS.md sources', 'Names recognised when typed (never shown)'],
        rows: criteria.antiPd1Medicines.map((medicine) => ({ cells: [codeCell(medicine.id), textCell(sourcesText(medicine.sources)), textCell(medicine.names.join(' · '))] })),
      },
      { kind: 'paragraph', text: 'The questions as the person reads them, with why each is asked and the reply to a flagged answer:' },
      { kind: 'table', columns: ['Key', ...columns.columns], rows: keyRows(questionKeys, columns, exists) },
      { kind: 'paragraph', text: 'The reason shown when a criterion does not fit, and how each flag is listed for the study team:' },
      { kind: 'table', columns: ['Key', ...columns.columns], rows: keyRows([...reasonKeys, ...flagKeys], columns, exists) },
    ],
  };
}

function topicPaths(topics: TopicsFile): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const walk = (id: string, trail: string[]) => {
    if (paths.has(id)) return;
    paths.set(id, trail);
    for (const child of topics.topics.find((topic) => topic.id === id)?.children ?? []) walk(child, [...trail, id]);
  };
  walk(topics.root, []);
  return paths;
}

export function topicsSection(topics: TopicsFile, columns: LocaleColumns, exists: (key: string) => boolean, englishTitle: (id: string) => string): Section {
  const paths = topicPaths(topics);
  return {
    id: 'topics',
    title: 'Topic answers and their sources',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `From content/topics.json, version ${topics.version}. Kind: confirmed (from the registry record of this study), background (general facts), ` +
          'other-studies (results of other studies, said as such), unknown (the study team explains). Sources are FACTS.md row ids.',
      },
    ],
    subsections: topics.topics.map((topic) => {
      const trail = paths.get(topic.id);
      const place = trail === undefined ? 'not in the menu tree: reached by a typed question or a "related" link' : trail.length === 0 ? 'the top of "About the study"' : trail.map(englishTitle).join(' › ');
      return {
        id: `topic-${topic.id}`,
        title: `${englishTitle(topic.id)} (${topic.id})`,
        blocks: [
          { kind: 'paragraph' as const, text: `Kind: ${topic.kind}. FACTS.md sources: ${sourcesText(topic.sources)}. Found under: ${place}.${topic.related?.length ? ` Related: ${topic.related.join(', ')}.` : ''}` },
          { kind: 'table' as const, columns: ['Key', ...columns.columns], rows: keyRows(['title', 'answer', 'more'].map((part) => `topics:${topic.id}.${part}`), columns, exists) },
        ],
      };
    }),
  };
}

export interface RedFlagsFile {
  categories: Record<string, { signs: unknown[] }>;
}

export function safetySection(redFlags: RedFlagsFile, columns: LocaleColumns): Section {
  return {
    id: 'safety',
    title: 'Safety categories and replies',
    blocks: [
      {
        kind: 'paragraph',
        text:
          'Every message, in every dialog and at every question, is first checked for emergency signs (content/safety/red-flags.json, with written Cantonese and ' +
          'Traditional Chinese folded to Simplified first). A sign answers at once with the reply below, before anything else and without needing storage; ' +
          'a sign the words do not place in the present gets the shorter "if this is happening now" reply and the conversation goes on. ' +
          'A request for a treatment decision ("should I stop my medicine?") gets the medical-decision reply.',
      },
      {
        kind: 'table',
        columns: ['Category', 'Signs in the lexicon', 'Reply key'],
        rows: emergencyCategories.map((category) => ({
          id: `safety-${category}`,
          cells: [codeCell(category), textCell(String(redFlags.categories[category]?.signs.length ?? 0)), codeCell(category === 'self-harm' ? 'safety:selfHarm' : 'safety:emergency')],
        })),
      },
      {
        kind: 'table',
        columns: ['Key', ...columns.columns],
        rows: ['safety:emergency', 'safety:selfHarm', 'safety:emergencyIfNow', 'safety:offerToContinue', 'safety:medicalDecision'].map((key) => ({ cells: [codeCell(key), ...columns.cells(key)] })),
      },
    ],
  };
}

/** Consent wording in the order the hand-off shows it, then the privacy texts. */
export function consentSection(consentVersion: string, columns: LocaleColumns, exists: (key: string) => boolean): Section {
  const consentKeys = ['what', 'precheck', 'whoWhyHowLong', 'notice', 'chatKept', 'deleteLimits', 'choice', 'question', 'declined'].map((part) => `handoff:consent.${part}`);
  const privacyKeys = ['topics:privacy.title', 'topics:privacy.answer', 'topics:privacy.more', 'channels:web.privacy', 'handoff:publicContact', 'handoff:erase.question', 'handoff:erase.alreadyDelivered'];
  return {
    id: 'consent',
    title: 'Consent and privacy',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `Before any contact detail is asked, the hand-off shows these texts together, in this order ("precheck" only after a pre-check), then asks the question. ` +
          `Each referral stores the consent wording version (${consentVersion}) and the content version the person saw.`,
      },
      { kind: 'table', columns: ['Key', ...columns.columns], rows: keyRows(consentKeys, columns, exists) },
      { kind: 'paragraph', text: 'Privacy: the "Privacy" topic, the notice on the chat page, the study team\'s public contact and "delete my data".' },
      { kind: 'table', columns: ['Key', ...columns.columns], rows: keyRows(privacyKeys, columns, exists) },
    ],
  };
}
