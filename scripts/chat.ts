/**
 * `npm run chat [-- --locale zh-CN] [-- --user NAME]`: talk to the real bot in a terminal, no channel set-up.
 * Buttons are shown as numbered lines; type the number, the words, or anything else, as on WeChat.
 *
 * Every run is a new person (a fresh user id), so `--locale` always decides the language; `--user NAME` keeps
 * one person across runs, and then the language they chose before wins, as it would on any channel. Logs go to
 * `DATA_DIR/chat.log` at LOG_LEVEL (never onto the terminal, where they would break up the chat).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { type Activity, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';
import type { i18n } from 'i18next';
import { visibleChoices, visibleText } from '../dialogs/shared/choice-message';
import { buildApp } from '../src/app';
import { stampIngress } from '../src/channels/channel-dependencies';
import { loadConfig } from '../src/config/load-config';
import { guessLocaleFromText, type Locale, negotiateLocale, supportedLocales } from '../src/i18n/locales';
import { createTranslator } from '../src/i18n/translator';
import { createLogger } from '../src/logger';

/** A message's text as the terminal shows it: wording about tapping buttons swapped for the terminal's own. */
export type TerminalWording = (text: string) => { text: string; replaced: boolean };

/**
 * Pairs (the other namespace's string, the terminal's string) in every locale, from `terminal:replaces`, which
 * mirrors the key paths of the strings it replaces.
 */
export function terminalWording(translator: i18n): TerminalWording {
  const pairs: Array<[string, string]> = [];
  const walk = (node: unknown, keyPath: string[]) => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, inner] of Object.entries(node)) {
      if (typeof inner === 'object') walk(inner, [...keyPath, key]);
      else if (typeof inner === 'string') {
        const [namespace, ...rest] = [...keyPath, key];
        for (const locale of supportedLocales) {
          const t = translator.getFixedT(locale);
          pairs.push([t(`${namespace}:${rest.join('.')}`), t(`terminal:replaces.${[namespace, ...rest].join('.')}`)]);
        }
      }
    }
  };
  walk(translator.getResourceBundle('en', 'terminal')?.replaces, []);
  return (text) => {
    const shown = pairs.reduce((current, [original, replacement]) => current.split(original).join(replacement), text);
    return { text: shown, replaced: shown !== text };
  };
}

class TerminalAdapter extends BotAdapter {
  constructor(
    private readonly write: (text: string) => void,
    private readonly wording: TerminalWording,
    private readonly choiceHint: (text: string) => string,
  ) {
    super();
  }

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    for (const activity of activities) {
      if (activity.type !== 'message') continue;
      const { text, replaced } = this.wording(visibleText(activity));
      const choices = visibleChoices(activity).map((choice, index) => `  ${index + 1}. ${choice}`);
      const lines = ['', `TrialGuide: ${text}`, ...choices];
      // A replaced text already says how to answer.
      if (choices.length > 0 && !replaced) lines.push(`  (${this.choiceHint(text)})`);
      this.write(lines.join('\n'));
    }
    return activities.map(() => ({ id: randomUUID() }));
  }

  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, TurnContext.applyConversationReference({ type: 'event' }, reference, true)), logic);
  }

  protected override async runMiddleware(context: TurnContext, next: (revocableContext: TurnContext) => Promise<void>): Promise<void> {
    stampIngress(context, 'terminal');
    await super.runMiddleware(context, next);
  }

  async receive(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { locale: { type: 'string' }, user: { type: 'string' } }, allowPositionals: true });
  const config = loadConfig();
  const logFile = path.resolve(config.rootDir, config.env.DATA_DIR, 'chat.log');
  const silent = config.env.LOG_LEVEL === 'silent';
  // Opened before the app is built (buildApp creates DATA_DIR only afterwards), so created on first write.
  let logFd: number | undefined;
  const writeLog = (line: string) => {
    logFd ??= openSync(logFile, 'a', 0o600);
    writeSync(logFd, `${line}\n`);
  };
  const app = await buildApp(config, { logger: createLogger(config.env.LOG_LEVEL, writeLog) });

  const requested = negotiateLocale(values.locale);
  const hintLocale = (text: string): Locale => guessLocaleFromText(text) ?? requested ?? 'en';
  const i18n = createTranslator(config.rootDir);
  const adapter = new TerminalAdapter((text) => process.stdout.write(`${text}\n`), terminalWording(i18n), (text) => i18n.getFixedT(hintLocale(text))('terminal:choiceHint'));
  app.runtime.prepareAdapter(adapter);

  const userId = values.user ? `terminal-user-${values.user}` : `terminal-${randomUUID()}`;
  const base: Partial<Activity> = {
    channelId: 'terminal',
    serviceUrl: 'terminal://',
    conversation: { id: `terminal-${randomUUID()}`, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: userId, name: 'You' },
    recipient: { id: 'trialguide', name: 'TrialGuide' },
    locale: values.locale,
  };
  const t = i18n.getFixedT(requested ?? 'en');
  const shownLogFile = path.relative(process.cwd(), logFile).startsWith('..') ? logFile : path.relative(process.cwd(), logFile);
  process.stdout.write(`(${[t('terminal:intro'), silent ? '' : t('terminal:logsTo', { file: shownLogFile })].filter(Boolean).join(' ')})\n`);
  await adapter.receive({ ...base, type: 'conversationUpdate', membersAdded: [{ id: userId, name: 'You' }] }, app.runtime.botLogic);

  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  process.stdout.write('\n> ');
  for await (const line of terminal) {
    if (line.trim() === 'quit') break;
    await adapter.receive({ ...base, type: 'message', id: randomUUID(), text: line, timestamp: new Date() }, app.runtime.botLogic);
    process.stdout.write('\n> ');
  }
  terminal.close();
  await app.stop();
  if (logFd !== undefined) closeSync(logFd);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`chat failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
