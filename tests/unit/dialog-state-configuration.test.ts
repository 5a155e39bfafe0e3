import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, TestAdapter } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { dialogStateConfigurationKey } from '../../src/bot/trial-guide-bot';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';

/**
 * Issue 11: botbuilder-dialogs builds its memory-scope configuration at the first dialog context of every turn; the
 * bot keeps the first turn's and hands it to every later turn. If botbuilder renames where it keeps it in turn state,
 * this fails (nothing else would: turns would only be slower).
 */
describe('the dialog memory-scope configuration is built once per process', () => {
  let dataDir: string;
  let app: App;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-dsm-'));
    app = await buildApp(loadConfig({ DATA_DIR: dataDir }), { logger: createLogger('silent') });
  });
  afterAll(async () => {
    await app.stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two conversations, several turns each: one configuration object, holding botbuilder-dialogs\' scopes', async () => {
    const seen: unknown[] = [];
    const conversation = (id: string) => {
      const adapter = new TestAdapter(
        async (context) => {
          await app.runtime.botLogic(context);
          seen.push(context.turnState.get(dialogStateConfigurationKey));
        },
        { channelId: 'directline', conversation: { id, isGroup: false, conversationType: 'personal', name: '' }, user: { id: `user-${id}`, name: 'User' }, bot: { id: 'bot', name: 'TrialGuide' } } as Partial<Activity>,
      );
      app.runtime.prepareAdapter(adapter);
      return adapter;
    };
    for (const id of ['c1', 'c2']) {
      const adapter = conversation(id);
      await adapter.receiveActivity({ type: 'conversationUpdate', membersAdded: [{ id: `user-${id}`, name: 'User' }], locale: 'en-US' });
      for (const text of ['1', 'menu', '2']) await adapter.receiveActivity({ type: 'message', text, locale: 'en-US' });
    }
    expect(seen).toHaveLength(8);
    const [first] = seen as Array<{ memoryScopes: Array<{ name: string }>; pathResolvers: unknown[] }>;
    expect(first?.memoryScopes.map((scope) => scope.name)).toEqual(expect.arrayContaining(['turn', 'settings', 'dialog', 'conversation', 'user']));
    expect(first?.pathResolvers.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(1);
  });
});
