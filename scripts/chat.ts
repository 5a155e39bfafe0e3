/**
 * `npm run chat [-- --locale zh-CN]`: talk to the real bot in a terminal, no channel set-up. Buttons are shown
 * as numbered lines; type the number, the words, or anything else, as on WeChat.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { type Activity, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext } from 'botbuilder';
import { visibleChoices, visibleText } from '../dialogs/shared/choice-message';
import { buildApp } from '../src/app';
import { stampIngress } from '../src/channels/channel-dependencies';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';

class TerminalAdapter extends BotAdapter {
  constructor(private readonly write: (text: string) => void) {
    super();
  }

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    for (const activity of activities) {
      if (activity.type !== 'message') continue;
      const choices = visibleChoices(activity).map((choice, index) => `  ${index + 1}. ${choice}`);
      this.write(['', `TrialGuide: ${visibleText(activity)}`, ...choices].join('\n'));
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
  const localeIndex = process.argv.indexOf('--locale');
  const locale = localeIndex > 0 ? process.argv[localeIndex + 1] : undefined;
  const config = loadConfig();
  const app = await buildApp(config, { logger: createLogger('warn', (line) => process.stderr.write(`${line}\n`)) });
  const adapter = new TerminalAdapter((text) => process.stdout.write(`${text}\n`));
  app.runtime.prepareAdapter(adapter);

  const base: Partial<Activity> = {
    channelId: 'terminal',
    serviceUrl: 'terminal://',
    conversation: { id: `terminal-${randomUUID()}`, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'terminal-user', name: 'You' },
    recipient: { id: 'trialguide', name: 'TrialGuide' },
    locale,
  };
  await adapter.receive({ ...base, type: 'conversationUpdate', membersAdded: [{ id: 'terminal-user', name: 'You' }] }, app.runtime.botLogic);

  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  process.stdout.write('\n(Type your message. Ctrl+D or "quit" to leave.)\n');
  for await (const line of terminal) {
    if (line.trim() === 'quit') break;
    await adapter.receive({ ...base, type: 'message', id: randomUUID(), text: line, timestamp: new Date() }, app.runtime.botLogic);
    process.stdout.write('\n> ');
  }
  terminal.close();
  await app.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`chat failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
