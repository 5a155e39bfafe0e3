import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, TestAdapter } from 'botbuilder';
import { expect } from 'vitest';
import { visibleChoices, visibleText } from '../../dialogs/shared/choice-message';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import type { StudyEventSink } from '../../src/events/study-events';
import { createLogger } from '../../src/logger';
import type { Stores } from '../../src/storage/ports';

/** What the person sees of one bot message. */
export interface BotReply {
  text: string;
  choices: string[];
}

export interface Conversation {
  /** The bot's messages after the conversation opened (the greeting), if `greet` was set. */
  readonly opening: BotReply[];
  /** Sends one message as the user and returns every message the bot answered with (typing indicators left out). */
  say(text: string): Promise<BotReply[]>;
  /** Sends a message with a value, as a channel menu click does (WeChat's custom menu: words + command). */
  click(text: string, value: Record<string, unknown>): Promise<BotReply[]>;
  /** Messages the bot sent after the last turn had ended (a timer, a late promise): there should be none. */
  afterTurn(): Promise<BotReply[]>;
  readonly stores: Stores;
  readonly app: App;
  /** Every line the app logged, to check that no personal data was written. */
  readonly logLines: string[];
  close(): Promise<void>;
}

export interface ConversationOptions {
  /** The channel's locale as Web Chat or WeChat would stamp it ('zh-CN', 'zh-TW', 'en-US'); none: the bot asks. */
  locale?: string;
  channelId?: string;
  /** Open with a conversationUpdate so the bot greets first (default true). */
  greet?: boolean;
  /** Extra environment, e.g. sinks. */
  env?: Record<string, string>;
  /** Reuse a data folder (kept on close) and a conversation id: a "restart" of the same deployment. */
  dataDir?: string;
  conversationId?: string;
  /** Hears the study events the conversation records (default: none). */
  events?: StudyEventSink;
}

/**
 * Runs the REAL bot (all dialogs, middleware, recognizer and a real SQLite store in a temp folder) through
 * botbuilder's TestAdapter, so tests read like transcripts: user says / bot says.
 */
export async function startConversation(options: ConversationOptions = {}): Promise<Conversation> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'trialguide-chat-'));
  const logLines: string[] = [];
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...options.env });
  const app = await buildApp(config, { logger: createLogger('debug', (line) => logLines.push(line)), ...(options.events ? { events: options.events } : {}) });
  const channelId = options.channelId ?? 'directline';
  const adapter = new TestAdapter(app.runtime.botLogic, {
    channelId,
    locale: options.locale,
    conversation: { id: options.conversationId ?? `conversation-${Math.random().toString(36).slice(2)}`, isGroup: false, conversationType: 'personal', name: '' },
    user: { id: 'user-1', name: 'User' },
    bot: { id: 'bot', name: 'TrialGuide' },
  } as Partial<Activity>);
  app.runtime.prepareAdapter(adapter);

  const drain = (): BotReply[] => {
    const replies = adapter.activeQueue.splice(0).filter((activity) => activity.type === 'message');
    return replies.map((activity) => ({ text: visibleText(activity), choices: visibleChoices(activity) }));
  };

  /** Phone numbers and emails the user typed: none may appear in what the app logged. */
  const personalData = new Set<string>();
  const remember = (text: string) => {
    for (const email of text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []) personalData.add(email);
    for (const phone of text.match(/\+?\d[\d\s-]{6,}\d/g) ?? []) {
      personalData.add(phone.trim());
      personalData.add(phone.replace(/[\s-]/g, ''));
    }
  };

  let opening: BotReply[] = [];
  if (options.greet !== false) {
    await adapter.receiveActivity({ type: 'conversationUpdate', membersAdded: [{ id: 'user-1', name: 'User' }], locale: options.locale });
    opening = drain();
  }

  return {
    opening,
    stores: app.stores,
    app,
    logLines,
    async say(text: string) {
      remember(text);
      await adapter.receiveActivity({ type: 'message', text, locale: options.locale });
      return drain();
    },
    async click(text: string, value: Record<string, unknown>) {
      await adapter.receiveActivity({ type: 'message', text, value, locale: options.locale });
      return drain();
    },
    async afterTurn() {
      await new Promise((resolve) => setTimeout(resolve, lateMessageWaitMs));
      return drain();
    },
    async close() {
      await app.stores.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      const leaked = [...personalData].filter((value) => logLines.some((line) => line.includes(value)));
      if (leaked.length > 0) throw new Error(`personal data typed by the user appeared in the logs: ${leaked.join(', ')}`);
    },
  };
}

/** How long afterTurn waits for a message that follows the end of a turn. */
const lateMessageWaitMs = 25;

/** One expected bot message: its exact text (choices not checked), a pattern, or the text with its exact choices. */
export type ExpectedReply = string | RegExp | { text: string | RegExp; choices: string[] };

const asMatcher = (text: string | RegExp): unknown => (typeof text === 'string' ? text : expect.stringMatching(text));

/**
 * One turn of a transcript: the user says `userSays`, the bot answers with exactly `botSays` (every message, in
 * order, none missing and none extra) and nothing else arrives after the turn. Returns the replies.
 */
export async function expectTurn(chat: Pick<Conversation, 'say' | 'afterTurn'>, userSays: string, botSays: readonly ExpectedReply[]): Promise<BotReply[]> {
  const replies = await chat.say(userSays);
  const expected = botSays.map((reply) =>
    typeof reply === 'string' || reply instanceof RegExp ? { text: asMatcher(reply), choices: expect.any(Array) as unknown } : { text: asMatcher(reply.text), choices: reply.choices },
  );
  expect(replies, `the bot's replies to "${userSays}"`).toEqual(expected);
  expect(await chat.afterTurn(), `messages after the turn of "${userSays}" had ended`).toEqual([]);
  return replies;
}

/** An expected reply that contains `text` (a question after its progress line, an answer with a number in it). */
export function containing(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** All text of a set of replies, for `toContain` assertions. */
export function allText(replies: BotReply[]): string {
  return replies.map((reply) => [reply.text, ...reply.choices].join('\n')).join('\n---\n');
}
