import type { Locale } from '../../i18n/locales';
import { type Cell, codeCell, type Row, type Section, textCell } from './document';
import { type LocaleMessages, type MessageEntry, type MessageValue, messageOf } from './locale-messages';
import { isStaffNamespace, type PlaceholderContext, placeholdersIn, resolvePlaceholder } from './placeholders';

/** Where each namespace's words are used, so a reviewer can place a table in the conversation. */
const namespaceUse: Record<string, string> = {
  common: 'The main dialog (greeting, language, who is asking, menu), "Ask a question", help, small talk and messages shared by every dialog.',
  topics: '"About the study" (the topic tree) and the answers to typed questions.',
  precheck: '"Might I qualify?" (the pre-check): questions, why each is asked, replies to answers, outcomes.',
  handoff: '"Talk to the study team" (consent, contact details, read-back, confirmation), "delete my data" and "check my referral".',
  safety: 'The safety net: replies to emergency signs and to requests for a treatment decision, on every message.',
  channels: 'The hospital chat page (around the chat) and WeChat (menu, hints).',
  terminal: 'The terminal chat (npm run chat), for staff and testing: its "replaces" texts are shown there instead of the same key of another namespace.',
  console: 'The coordinators\' console: seen by study staff only, never by participants.',
  funnel: 'The coordinators\' console, recruitment funnel page: seen by study staff only, never by participants.',
};

export const arrayNote = 'Typed phrases the bot recognises as this answer; never sent.';

function valueText(value: MessageValue): string {
  return Array.isArray(value) ? value.join(' · ') : value;
}

/** The cell of one locale's text: the words with {{placeholders}} as written, and what each becomes. */
export function messageCell(fullKey: string, value: MessageValue | undefined, locale: Locale, lang: string, placeholders: PlaceholderContext): Cell {
  if (value === undefined) return textCell('MISSING', { muted: true });
  if (Array.isArray(value)) return textCell(valueText(value), { lang, notes: [arrayNote] });
  const notes = placeholdersIn(value).map((name) => {
    const resolved = resolvePlaceholder(placeholders, fullKey, name, locale);
    return resolved.value === undefined ? `{{${name}}}: ${resolved.source}` : `{{${name}}} = ${resolved.value}`;
  });
  return textCell(value, { lang, ...(notes.length > 0 ? { notes } : {}) });
}

export interface LocaleColumns {
  columns: string[];
  cells(fullKey: string): Cell[];
}

/** en | zh-Hans | zh-Hant | one column per regional override (only where it changes the text). */
export function localeColumns(messages: LocaleMessages, placeholders: PlaceholderContext): LocaleColumns {
  return {
    columns: [...messages.locales, ...messages.overrides.map((override) => `${override.tag} (overrides ${override.base})`)],
    cells: (fullKey) => [
      ...messages.locales.map((locale) => messageCell(fullKey, messageOf(messages, fullKey, locale), locale, locale, placeholders)),
      ...messages.overrides.map((override) => {
        const value = messageOf(messages, fullKey, override.tag);
        return value === undefined ? textCell(`same as ${override.base}`, { muted: true }) : messageCell(fullKey, value, override.base, override.tag, placeholders);
      }),
    ],
  };
}

/** One row per key: `namespace:key`, then the text in every locale side by side. */
export function messageRow(entry: MessageEntry, columns: LocaleColumns): Row {
  const fullKey = `${entry.namespace}:${entry.key}`;
  return { id: messageAnchor(entry.namespace, entry.key), cells: [codeCell(fullKey), ...columns.cells(fullKey)] };
}

export function messageAnchor(namespace: string, key: string): string {
  return `m-${namespace}-${key}`;
}

export function messagesSection(messages: LocaleMessages, placeholders: PlaceholderContext): Section {
  const columns = localeColumns(messages, placeholders);
  const overrideNote =
    messages.overrides.length > 0
      ? `Regional overrides: ${messages.overrides.map((override) => `${override.tag} replaces ${override.base} only where its column has text; elsewhere readers see the ${override.base} text`).join('; ')}.`
      : 'There are no regional overrides (no locales/zh-Hant-HK folder): Hong Kong and Taiwan readers see the zh-Hant text.';
  return {
    id: 'messages',
    title: 'Every message, in every language',
    blocks: [
      {
        kind: 'paragraph',
        text:
          'Each row is one message key as the bot uses it (locales/<language>/<namespace>.json), with its text in every language side by side. ' +
          '{{name}} marks a value filled in when the message is sent; the small lines under a text say what it becomes with this site file and configuration, or what the chat fills in. ' +
          'Keys ending in _family are used when a relative or someone else is asking. Lists (·) are typed phrases the bot recognises, not messages it sends. ' +
          overrideNote,
      },
    ],
    subsections: messages.namespaces.map((namespace) => ({
      id: `ns-${namespace.name}`,
      title: `${namespace.name} (locales/*/${namespace.name}.json)`,
      blocks: [
        { kind: 'paragraph' as const, text: namespaceUse[namespace.name] ?? (isStaffNamespace(namespace.name) ? 'The coordinators\' console: seen by study staff only, never by participants.' : 'Other interface text.') },
        { kind: 'table' as const, columns: ['Key', ...columns.columns], rows: namespace.entries.map((entry) => messageRow(entry, columns)) },
      ],
    })),
  };
}
