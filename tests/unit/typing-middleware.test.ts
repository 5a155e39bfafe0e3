import { type Activity, TestAdapter, type TurnContext } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { createTypingMiddleware } from '../../src/bot/typing-middleware';
import { createLogger } from '../../src/logger';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('typing middleware', () => {
  it('shows "typing" while a slow turn runs, and nothing after it ends', async () => {
    const adapter = new TestAdapter(async (context: TurnContext) => {
      await sleep(120);
      await context.sendActivity('done');
    });
    adapter.use(createTypingMiddleware(createLogger('silent'), 20, 40));
    await adapter.receiveActivity({ type: 'message', text: 'hi' });
    await sleep(100);
    const types = adapter.activeQueue.map((activity: Partial<Activity>) => (activity.type === 'typing' ? 'typing' : activity.text));
    expect(types.filter((type) => type === 'typing').length).toBeGreaterThanOrEqual(2);
    expect(types.at(-1)).toBe('done');
  });

  it('a typing indicator the channel refuses is logged, never an unhandled rejection or a failed turn', async () => {
    const lines: string[] = [];
    const adapter = new TestAdapter(async (context: TurnContext) => {
      await sleep(80);
      await context.sendActivity('done');
    });
    let turnErrors = 0;
    adapter.onTurnError = async () => {
      turnErrors += 1;
    };
    const send = adapter.sendActivities.bind(adapter);
    adapter.sendActivities = async (context, activities) => {
      if (activities.some((activity) => activity.type === 'typing')) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return send(context, activities);
    };
    adapter.use(createTypingMiddleware(createLogger('debug', (line) => lines.push(line)), 10, 20));
    await adapter.receiveActivity({ type: 'message', text: 'hi' });
    await sleep(60);
    expect(turnErrors).toBe(0);
    expect(lines.some((line) => line.includes('typing indicator not delivered') && line.includes('ECONNREFUSED'))).toBe(true);
  });
});
