import { dialogIds } from '../../../dialogs/ids';
import type { PrecheckCriteria } from '../../../dialogs/precheck/precheck-criteria';
import { emergencyCategories } from '../../safety/emergency-categories';

/**
 * The conversation as a tree, for the ethics export. Built from the dialog ids (dialogs/ids.ts), the topic
 * tree (content/topics.json), the pre-check questions (content/precheck.json) and the global commands
 * (content/commands.json); every node names the message key it shows, so a reviewer can look the words up in
 * the tables. It shows what can follow what, not every retry or "back".
 */
export interface TreeNode {
  /** Short English label. */
  label: string;
  /** The dialog id or message key behind it. */
  ref?: string;
  children: TreeNode[];
}

export interface TopicTreeData {
  root: string;
  topics: Array<{ id: string; children?: string[] }>;
}

export interface DialogTreeInput {
  /** English text of a key (`namespace:path`), used for labels. */
  english: (key: string) => string | undefined;
  topics: TopicTreeData;
  precheck: PrecheckCriteria;
  commandIds: readonly string[];
}

const node = (label: string, ref?: string, children: TreeNode[] = []): TreeNode => ({ label, ...(ref ? { ref } : {}), children });

function topicNode(input: DialogTreeInput, id: string, seen: Set<string>): TreeNode {
  const topic = input.topics.topics.find((candidate) => candidate.id === id);
  const label = input.english(`topics:${id}.title`) ?? id;
  // The tree is a tree by content (children), but guard against a cycle rather than loop forever.
  if (seen.has(id)) return node(`${label} (see above)`, `topics:${id}`);
  seen.add(id);
  return node(label, `topics:${id}`, (topic?.children ?? []).map((child) => topicNode(input, child, seen)));
}

function precheckNodes(input: DialogTreeInput): TreeNode[] {
  const questions = input.precheck.questions;
  const followUps = (parentId: string) => questions.filter((question) => question.kind === 'yes-no' && question.followUpOf === parentId);
  const questionNode = (question: (typeof questions)[number]): TreeNode => {
    const role = question.kind === 'yes-no' && question.flag ? `flag: ${question.flag}` : `criterion: ${question.criterion ?? ''}`;
    return node(`Q ${question.id} (${question.kind}, ${role})`, `precheck:questions.${question.id}.question`, followUps(question.id).map((child) => node(`if that fits: ${child.id}`, `precheck:questions.${child.id}.question`)));
  };
  const top = questions.filter((question) => !(question.kind === 'yes-no' && question.followUpOf));
  return [
    node('Who is asking (only while nobody has said)', 'common:role.prompt', [node('why we ask', 'common:role.why')]),
    node('Introduction', 'precheck:intro.what'),
    ...top.map(questionNode),
    node('Outcome', 'precheck:outcome.next', [
      node('may be a fit', 'precheck:outcome.mayFit'),
      node('probably not a fit', 'precheck:outcome.probablyNot'),
      node('cannot tell yet', 'precheck:outcome.cannotTell'),
      node(`then: ${input.english('common:menu.handoff') ?? 'hand-off'} → hand-off`, dialogIds.handoff),
      node(`then: ${input.english('precheck:outcome.choices.learn') ?? 'learn'} → topics`, dialogIds.topics),
    ]),
  ];
}

function handoffNodes(): TreeNode[] {
  const ask = (item: string, label: string) => node(label, `handoff:ask.${item}`);
  return [
    node('What is shared, with whom, for how long; consent question', 'handoff:consent.question', [
      node('No: nothing shared, public contact given', 'handoff:consent.declined'),
      node('Yes: collect the details', dialogIds.handoff, [
        ask('name', 'Name'),
        ask('phone', 'Phone'),
        ask('email', 'Email (may skip)'),
        ask('bestTime', 'Best time to call'),
        ask('language', 'Language for the call'),
        ask('relationship', 'Who you are to the patient (only while nobody has said)'),
        ask('precheck', 'Send the pre-check answers? (only after a pre-check)'),
        node('Read-back: is this all right?', 'handoff:review.question', [
          node('Yes, send it: stored, then confirmed with a reference', 'handoff:confirmed.thanks'),
          node('Change something', 'handoff:review.whichItem'),
          node('Cancel: nothing sent, nothing kept', 'handoff:review.cancelled'),
          node('Could not be stored: nothing sent, try again', 'handoff:saveFailed.message'),
        ]),
      ]),
    ]),
  ];
}

/** The global commands and the dialog or reply each leads to. */
const commandTargets: Record<string, { label: string; ref?: string }> = {
  menu: { label: 'the menu', ref: 'common:menu.prompt' },
  help: { label: 'help text', ref: 'common:help' },
  back: { label: 'the previous question where a question allows it, else the menu' },
  restart: { label: 'start again with the greeting', ref: 'common:welcome.greeting' },
  language: { label: 'the language question', ref: 'common:language.prompt' },
  'switch-en': { label: 'English from now on', ref: 'common:language.changed' },
  'switch-zh-Hans': { label: 'Simplified Chinese from now on', ref: 'common:language.changed' },
  'switch-zh-Hant': { label: 'Traditional Chinese from now on', ref: 'common:language.changed' },
  'switch-zh': { label: 'Chinese (keeps the script in use)', ref: 'common:language.changed' },
  handoff: { label: 'the hand-off', ref: dialogIds.handoff },
  erase: { label: '“delete my data”', ref: dialogIds.erase },
  'check-referral': { label: '“check my referral”', ref: dialogIds.checkReferral },
};

export function buildDialogTree(input: DialogTreeInput): TreeNode {
  const menu = (key: string) => input.english(`common:menu.${key}`) ?? key;
  return node('A conversation', undefined, [
    node('Every message first: safety net (any dialog, any prompt)', undefined, [
      ...emergencyCategories.map((category) => node(`emergency sign: ${category}`, category === 'self-harm' ? 'safety:selfHarm' : 'safety:emergency')),
      node('a sign not placed in the present', 'safety:emergencyIfNow'),
      node('asks for a treatment decision', 'safety:medicalDecision'),
    ]),
    node('Greeting', 'common:welcome.greeting', [
      node('Language (when the channel does not say)', 'common:language.prompt'),
      node('Menu', 'common:menu.prompt', [
        node(menu('about'), dialogIds.topics, [topicNode(input, input.topics.root, new Set())]),
        node(menu('precheck'), dialogIds.precheck, precheckNodes(input)),
        node(menu('handoff'), dialogIds.handoff, handoffNodes()),
        node(menu('ask'), dialogIds.ask, [
          node('Ask in your own words', 'common:ask.prompt'),
          node('recognised: the topic\'s answer', 'topics:<id>.answer'),
          node('not sure: closest topics and the study team', 'common:ask.notSure'),
          node('not about the study', 'common:ask.outOfScope'),
        ]),
      ]),
    ]),
    node('Typed at any time (content/commands.json)', undefined, input.commandIds.map((id) => {
      const target = commandTargets[id];
      return node(`${id} → ${target?.label ?? 'see content/commands.json'}`, target?.ref);
    })),
    node('Said at any time: who is asking (content/roles.json statements), confirmed in one line', 'common:role.noted_patient'),
  ]);
}

/** Every node, depth first, with its depth. */
export function flattenTree(tree: TreeNode, depth = 0): Array<{ node: TreeNode; depth: number }> {
  return [{ node: tree, depth }, ...tree.children.flatMap((child) => flattenTree(child, depth + 1))];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An indented tree (like a file browser): one row per node, elbow lines to the parent. No fonts or links fetched. */
export function dialogTreeSvg(tree: TreeNode): string {
  const rows = flattenTree(tree);
  const rowHeight = 22;
  const indent = 20;
  const top = 16;
  const lines: string[] = [];
  const parentRow: number[] = [];
  let width = 0;
  rows.forEach(({ node: current, depth }, index) => {
    const x = 12 + depth * indent;
    const y = top + index * rowHeight;
    parentRow[depth] = index;
    if (depth > 0) {
      const parentY = top + (parentRow[depth - 1] ?? 0) * rowHeight;
      const parentX = 12 + (depth - 1) * indent;
      lines.push(`<path d="M${parentX + 4} ${parentY + 5} V${y} H${x - 2}" fill="none" stroke="#8a8a8a" stroke-width="1"/>`);
    }
    const ref = current.ref ? ` <tspan class="ref">${escapeXml(current.ref)}</tspan>` : '';
    lines.push(`<circle cx="${x + 2}" cy="${y}" r="3" fill="#005a8c"/><text x="${x + 10}" y="${y + 4}">${escapeXml(current.label)}${ref}</text>`);
    width = Math.max(width, x + 10 + (current.label.length + (current.ref?.length ?? 0) + 1) * 6.6);
  });
  const height = top + rows.length * rowHeight;
  return [
    `<svg role="img" aria-labelledby="tree-title tree-desc" width="${Math.ceil(width + 20)}" height="${height}" viewBox="0 0 ${Math.ceil(width + 20)} ${height}" font-family="sans-serif" font-size="12">`,
    '<title id="tree-title">Dialog tree</title>',
    `<desc id="tree-desc">What can follow what in a conversation, ${rows.length} steps; each names the message key whose words are in the tables below.</desc>`,
    '<style>.ref{fill:#5f5f5f;font-family:monospace;font-size:11px}</style>',
    ...lines,
    '</svg>',
  ].join('\n');
}

/** The same tree as Mermaid flowchart text (GitHub and most Markdown viewers draw it). */
export function dialogTreeMermaid(tree: TreeNode): string {
  const rows = flattenTree(tree);
  const ids = new Map<TreeNode, string>(rows.map(({ node: current }, index) => [current, `n${index}`]));
  const quote = (text: string) => text.replace(/"/g, '#quot;');
  const out = ['flowchart LR'];
  for (const { node: current } of rows) {
    const label = current.ref ? `${current.label}<br/><small>${current.ref}</small>` : current.label;
    out.push(`  ${ids.get(current)}["${quote(label)}"]`);
  }
  for (const { node: current } of rows) for (const child of current.children) out.push(`  ${ids.get(current)} --> ${ids.get(child)}`);
  return out.join('\n');
}
