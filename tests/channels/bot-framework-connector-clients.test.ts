import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { AppCredentials, AuthenticationConstants, type ConnectorClient, ConnectorFactory } from 'botframework-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotFrameworkAdapter } from '../../src/channels/bot-framework/bot-framework-routes';
import { ConnectorClientCache } from '../../src/channels/bot-framework/connector-client-cache';
import { loadConfig } from '../../src/config/load-config';
import { startRecordingServer } from '../support/http';

/**
 * Issue 11: botbuilder builds a connector client (credentials and HTTP pipeline) for every turn, a fifth of a
 * turn's CPU. The adapter shares one per app id, service URL and audience; the token still comes from
 * botbuilder's token cache at every request, so a refreshed token is used by the shared client.
 */
const appId = '9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';

/** Runs a turn and hands back the connector client it was given. */
function clientOf(run: (logic: (context: TurnContext) => Promise<void>) => Promise<unknown>, send = false): Promise<ConnectorClient> {
  return new Promise((resolve, reject) => {
    run(async (context) => {
      if (send) await context.sendActivity('hello');
      resolve(context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey));
    }).catch(reject);
  });
}

describe('connector clients are shared between turns', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-bf-clients-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('auth off (the Emulator): two turns to one service URL share a client; another URL gets its own', async () => {
    const adapter = createBotFrameworkAdapter(loadConfig({ DATA_DIR: dataDir }));
    const activity = (serviceUrl: string, id: string): Activity =>
      ({ type: 'message', id, channelId: 'emulator', serviceUrl, text: 'hi', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'bot' } }) as Activity;
    const first = await clientOf((logic) => adapter.processChecked('', activity('http://127.0.0.1:5001/', '1'), logic));
    const second = await clientOf((logic) => adapter.processChecked('', activity('http://127.0.0.1:5001/', '2'), logic));
    const elsewhere = await clientOf((logic) => adapter.processChecked('', activity('http://127.0.0.1:5002/', '3'), logic));
    expect(second).toBe(first);
    expect(elsewhere).not.toBe(first);
  });

  it('every turn gets the same user token client (CloudAdapter asks for one per turn)', async () => {
    const adapter = createBotFrameworkAdapter(loadConfig({ DATA_DIR: dataDir }));
    const activity = (id: string): Activity => ({ type: 'message', id, channelId: 'emulator', serviceUrl: 'http://127.0.0.1:5001/', text: 'hi', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'bot' } }) as Activity;
    const tokenClientOf = (id: string) =>
      new Promise<unknown>((resolve, reject) => {
        adapter.processChecked('', activity(id), async (context) => resolve(context.turnState.get(adapter.UserTokenClientKey))).catch(reject);
      });
    const first = await tokenClientOf('1');
    expect(first).toBeDefined();
    expect(await tokenClientOf('2')).toBe(first);
  });

  it('auth on (Azure): a shared client sends each reply with the token botbuilder holds at that moment, so a refreshed token is used', async () => {
    const connector = await startRecordingServer(() => ({ status: 200, body: { id: 'sent' } }));
    try {
      const config = loadConfig({ DATA_DIR: dataDir, MicrosoftAppId: appId, MicrosoftAppPassword: 'not-a-real-secret-0123456789', MicrosoftAppType: 'MultiTenant' });
      const adapter = createBotFrameworkAdapter(config);
      const reference: Partial<ConversationReference> = { channelId: 'msteams', serviceUrl: `${connector.url}/`, conversation: { id: 'a:1' } as ConversationReference['conversation'], bot: { id: `28:${appId}`, name: 'bot' } };
      const tokenKey = `${appId}${AuthenticationConstants.ToChannelFromBotOAuthScope}-cache`;
      // botbuilder's process-wide token cache (private in its types), where MSAL's token lands after a refresh.
      const tokens = (AppCredentials as unknown as { cache: Map<string, { accessToken: string; expiresOn: Date }> }).cache;
      const holdToken = (accessToken: string) => tokens.set(tokenKey, { accessToken, expiresOn: new Date(Date.now() + 3_600_000) });
      holdToken('token-before-refresh');
      const first = await clientOf((logic) => adapter.continueConversationAsync(appId, reference, logic), true);
      holdToken('token-after-refresh');
      const second = await clientOf((logic) => adapter.continueConversationAsync(appId, reference, logic), true);
      expect(second).toBe(first);
      expect(connector.requests.map((request) => request.headers.authorization)).toEqual(['Bearer token-before-refresh', 'Bearer token-after-refresh']);
    } finally {
      (AppCredentials as unknown as { cache: Map<string, unknown> }).cache.clear();
      await connector.close();
    }
  });

  it('a client that could not be made is not kept: the next turn tries again', async () => {
    let attempts = 0;
    const inner = new (class extends ConnectorFactory {
      create(): Promise<ConnectorClient> {
        attempts += 1;
        return attempts === 1 ? Promise.reject(new Error('Invalid appId.')) : Promise.resolve({} as ConnectorClient);
      }
    })();
    const factory = new ConnectorClientCache().around(inner, appId);
    await expect(factory.create('https://smba.trafficmanager.net/amer/')).rejects.toThrow('Invalid appId.');
    const made = await factory.create('https://smba.trafficmanager.net/amer/');
    expect(await factory.create('https://smba.trafficmanager.net/amer/')).toBe(made);
    expect(attempts).toBe(2);
  });

  it('app ids and audiences do not share clients, and the cache stays bounded', async () => {
    let made = 0;
    const inner = new (class extends ConnectorFactory {
      create(): Promise<ConnectorClient> {
        made += 1;
        return Promise.resolve({ made } as unknown as ConnectorClient);
      }
    })();
    const cache = new ConnectorClientCache();
    const url = 'https://smba.trafficmanager.net/emea/';
    const ours = await cache.around(inner, appId).create(url, 'https://api.botframework.com');
    expect(await cache.around(inner, 'another-app').create(url, 'https://api.botframework.com')).not.toBe(ours);
    expect(await cache.around(inner, appId).create(url, 'https://api.botframework.us')).not.toBe(ours);
    expect(await cache.around(inner, appId).create(url, 'https://api.botframework.com')).toBe(ours);
    for (let i = 0; i < 150; i += 1) await cache.around(inner, appId).create(`https://smba.trafficmanager.net/amer/${i}/`);
    expect(cache.size).toBe(100);
  });
});
