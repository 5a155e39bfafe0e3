import type { Activity, CardAction } from 'botbuilder';

/**
 * WeChat rejects text messages over 2048 bytes; a margin keeps the passive-reply XML and any later
 * encoding well inside it.
 */
export const maxMessageBytes = 2000;

const choiceActionTypes = new Set(['imBack', 'postBack', 'messageBack']);

export interface Choice {
  /** Shown to the person. */
  title: string;
  /** What the choice sends back when its link is tapped (its label; a typed number is read by the bot). */
  value: string;
}

export interface RenderedReply {
  /** WeChat text messages, each within `maxMessageBytes`. */
  messages: string[];
}

/** Plain text WeChat shows as written: no Markdown markers, no HTML other than the links we add. */
export function stripMarkdown(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/```[^\n]*\n?([\s\S]*?)```/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^(\s*)[-*+]\s+/gm, '$1• ')
    .replace(/^\s*([-*_])(\s*\1){2,}\s*$/gm, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Characters that would end the link text or the tag: choice wording never needs them. */
function linkSafe(text: string): string {
  return text.replace(/[<>"\n\r]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** In the href, "&", "#" and "=" would also cut the query parameter short ("?" is legal inside a query). */
function queryValueSafe(text: string): string {
  return linkSafe(text.replace(/[&#=]/g, ' '));
}

function choiceOf(action: CardAction): Choice | undefined {
  if (!choiceActionTypes.has(action.type)) return undefined;
  const title = (action.title ?? '').trim();
  const sent = action.type === 'messageBack' ? (action.text ?? action.displayText) : typeof action.value === 'string' ? action.value : undefined;
  const value = (sent ?? title).trim();
  if (!title && !value) return undefined;
  return { title: title || value, value: value || title };
}

interface CardContent {
  title?: string;
  subtitle?: string;
  text?: string;
  buttons?: CardAction[];
}

function cardsOf(activity: Partial<Activity>): CardContent[] {
  return (activity.attachments ?? [])
    .filter((attachment) => /^application\/vnd\.microsoft\.card\.(hero|thumbnail)$/.test(attachment.contentType))
    .map((attachment) => (attachment.content ?? {}) as CardContent);
}

/** A bizmsgmenu link sends its content as the person's message when tapped; typed numbers work everywhere else. */
export function choiceLine(choice: Choice, number: number): string {
  const shown = linkSafe(choice.title) || linkSafe(choice.value);
  const sent = queryValueSafe(choice.value) || queryValueSafe(shown);
  return `${number}. <a href="weixin://bizmsgmenu?msgmenucontent=${sent}&msgmenuid=${number}">${shown}</a>`;
}

/** One activity as WeChat text, plus the choices it offered. `chooseHint` is added under numbered choices. */
export function renderActivity(activity: Partial<Activity>, chooseHint: string): { text: string; choices: Choice[] } {
  const parts: string[] = [];
  if (activity.text) parts.push(stripMarkdown(activity.text));
  const actions: CardAction[] = [...(activity.suggestedActions?.actions ?? [])];
  for (const card of cardsOf(activity)) {
    for (const piece of [card.title, card.subtitle, card.text]) if (piece) parts.push(stripMarkdown(piece));
    actions.push(...(card.buttons ?? []));
  }
  for (const action of actions) {
    if (action.type === 'openUrl' && typeof action.value === 'string' && /^https?:\/\//.test(action.value)) {
      parts.push(`<a href="${action.value.replace(/"/g, '%22')}">${linkSafe(action.title ?? action.value)}</a>`);
    }
  }
  const choices = actions.map(choiceOf).filter((choice): choice is Choice => choice !== undefined);
  if (choices.length > 0) parts.push([...choices.map((choice, index) => choiceLine(choice, index + 1)), chooseHint].join('\n'));
  return { text: parts.filter(Boolean).join('\n\n'), choices };
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** Cuts text that has no better break point, on code point boundaries. */
function hardSplit(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const character of text) {
    const bytes = byteLength(character);
    if (currentBytes + bytes > maxBytes) {
      pieces.push(current);
      current = '';
      currentBytes = 0;
    }
    current += character;
    currentBytes += bytes;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Break points from most to least natural; sentence breaks keep their punctuation and spacing. */
const breakPoints: readonly { separator: RegExp; joiner: string }[] = [
  { separator: /\n{2,}/, joiner: '\n\n' },
  { separator: /\n/, joiner: '\n' },
  { separator: /(?<=[。！？；.!?;]\s*)(?=\S)/u, joiner: '' },
];

interface Unit {
  text: string;
  /** How this unit joins the one before it when both land in the same message. */
  joiner: string;
}

/** Breaks a block into units no larger than `maxBytes`: paragraphs, then lines, then sentences, then characters. */
function units(text: string, maxBytes: number, level = 0): Unit[] {
  if (byteLength(text) <= maxBytes) return [{ text, joiner: '' }];
  const breakPoint = breakPoints[level];
  if (!breakPoint) return hardSplit(text, maxBytes).map((piece) => ({ text: piece, joiner: '' }));
  const pieces = text.split(breakPoint.separator).filter((piece) => piece.length > 0);
  if (pieces.length <= 1) return units(text, maxBytes, level + 1);
  return pieces.flatMap((piece, pieceIndex) =>
    units(piece, maxBytes, level + 1).map((unit, index) => ({ text: unit.text, joiner: index === 0 ? (pieceIndex === 0 ? '' : breakPoint.joiner) : unit.joiner })),
  );
}

/**
 * Packs texts into as few messages as fit (the passive reply is one message and the customer-service quota is
 * small), breaking long ones at the most natural boundary available.
 */
export function packMessages(texts: readonly string[], maxBytes = maxMessageBytes): string[] {
  const messages: string[] = [];
  let current = '';
  for (const [index, text] of texts.entries()) {
    for (const [unitIndex, unit] of units(text, maxBytes).entries()) {
      const joiner = unitIndex === 0 ? (index === 0 ? '' : '\n\n') : unit.joiner;
      if (current && byteLength(current + joiner + unit.text) <= maxBytes) {
        current += joiner + unit.text;
      } else {
        if (current.trim()) messages.push(current.trim());
        current = unit.text;
      }
    }
  }
  if (current.trim()) messages.push(current.trim());
  return messages;
}

/**
 * The turn's outbound activities as WeChat text messages. Only message activities are shown. Choices are
 * numbered in the order the prompt offered them: a typed number is read by the bot against that same open
 * question (dialogs/shared/interpret-turn.ts), so nothing is remembered here.
 */
export function renderReply(activities: readonly Partial<Activity>[], chooseHint: (activity: Partial<Activity>) => string): RenderedReply {
  const texts: string[] = [];
  for (const activity of activities) {
    if ((activity.type ?? 'message') !== 'message') continue;
    const rendered = renderActivity(activity, chooseHint(activity));
    if (rendered.text) texts.push(rendered.text);
  }
  return { messages: packMessages(texts) };
}
