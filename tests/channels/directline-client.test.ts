import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { type Activity, ConnectionStatus, DirectLine } from 'botframework-directlinejs';
import jwt from 'jsonwebtoken';
import type { Server } from 'restify';
import type { Subscription } from 'rxjs/Subscription';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { services } from '../support/directline-client-services';
import WebSocket from 'ws';
import type { ChannelDependencies } from '../../src/channels/channel-dependencies';
import { type DirectLineEndpoint, registerDirectLineRoutes } from '../../src/channels/web/directline/directline-routes';
import { loadConfig } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { systemClock } from '../../src/clock';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';

/*
 * The stock botframework-directlinejs client against the endpoint. In Node it needs two browser APIs:
 * - WebSocket: `ws`, passed as the client's `WebSocket` service. The client also checks for a global
 *   WebSocket before choosing the socket transport, and Node 20 has none, so one is stubbed for this file.
 * - XMLHttpRequest (rxjs 5's ajax): nothing installed provides a usable one (the only candidate,
 *   xmlhttprequest-ts nested under the speech SDK, exposes the raw Node response as `response`, which rxjs
 *   returns as the parsed body). The client's `ajax` service (its constructor takes `Partial<Services>`) is used instead, with Node's fetch
 *   answering in rxjs ajax's response/error shape. Everything else (connection status, token handling,
 *   polling, sockets, retries) is the client's own code.
 */

const secret = 'client-test-directline-secret-0123456789';
const silent = createLogger('silent');
const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-directline-client-'));

async function greetingBot(context: TurnContext): Promise<void> {
  const { activity } = context;
  if (activity.type === 'conversationUpdate') {
    if ((activity.membersAdded ?? []).some((member) => member.id !== activity.recipient.id)) await context.sendActivity(`greeting for ${activity.locale ?? '?'}`);
    return;
  }
  if (activity.type !== 'message') return;
  await context.sendActivity({ type: ActivityTypes.Typing });
  await context.sendActivity(`you said ${activity.text ?? ''}`);
}

let server: Server;
let stores: Stores;
let endpoint: DirectLineEndpoint;
let domain: string;

beforeAll(async () => {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, DIRECTLINE_SECRET: secret });
  stores = await createStores(config, silent);
  server = createHttpServer({ config, logger: silent });
  const deps: ChannelDependencies = { config, logger: silent, stores, clock: systemClock, prepareAdapter: () => undefined, botLogic: greetingBot };
  endpoint = registerDirectLineRoutes(server, deps);
  const port = await listen(server, 0, '127.0.0.1');
  domain = `http://127.0.0.1:${port}/v3/directline`;
  if (typeof globalThis.WebSocket === 'undefined') vi.stubGlobal('WebSocket', WebSocket);
});

afterAll(async () => {
  vi.unstubAllGlobals();
  endpoint.close();
  await close(server);
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function generateToken(): Promise<{ token: string; conversationId: string }> {
  const response = await fetch(`${domain}/tokens/generate`, { method: 'POST', headers: { Authorization: `Bearer ${secret}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { token: string; conversationId: string };
}

/** Records every activity the client emits; `until` resolves when a predicate over them holds. */
function record(directLine: DirectLine) {
  const received: Activity[] = [];
  const waiters: Array<() => void> = [];
  const subscription: Subscription = directLine.activity$.subscribe((activity) => {
    received.push(activity);
    for (const wake of [...waiters]) wake();
  });
  const until = (check: (activities: Activity[]) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(received.map((activity) => activity.type))}`)), 10_000);
      const wake = () => {
        if (!check(received)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(wake), 1);
        resolve();
      };
      waiters.push(wake);
      wake();
    });
  return { received, until, subscription };
}

const textOf = (activity: Activity | undefined): string | undefined => (activity && 'text' in activity ? activity.text : undefined);

describe.each([
  { transport: 'polling', webSocket: false },
  { transport: 'WebSocket', webSocket: true },
])('botframework-directlinejs over $transport', ({ webSocket }) => {
  it('starts a conversation, receives the greeting, posts a message and gets the echo and the reply', async () => {
    const { token, conversationId } = await generateToken();
    const tokenUser = (jwt.decode(token) as { user: string }).user;
    const directLine = new DirectLine({
      token,
      domain,
      webSocket,
      pollingInterval: 200,
      conversationStartProperties: { locale: 'zh-CN' },
      ...services,
    });
    const statuses: ConnectionStatus[] = [];
    const statusSubscription = directLine.connectionStatus$.subscribe((status) => statuses.push(status));
    const { received, until, subscription } = record(directLine);
    try {
      await until((activities) => activities.some((activity) => textOf(activity) === 'greeting for zh-CN'), 'the greeting');
      expect(statuses).toContain(ConnectionStatus.Online);

      const id = await new Promise<string>((resolve, reject) => {
        directLine
          .postActivity({ type: 'message', text: '我可以参加吗', locale: 'zh-CN', from: { id: 'impostor' }, channelData: { clientActivityID: 'web-chat-1' } })
          .subscribe({ next: resolve, error: reject });
      });
      await until((activities) => activities.some((activity) => textOf(activity) === 'you said 我可以参加吗'), 'the reply');

      const echo = received.find((activity) => activity.id === id);
      expect(echo).toMatchObject({ type: 'message', text: '我可以参加吗', locale: 'zh-CN', from: { id: tokenUser }, conversation: { id: conversationId } });
      expect((echo as { channelData?: { clientActivityID?: string } }).channelData?.clientActivityID).toBe('web-chat-1');
      const reply = received.find((activity) => textOf(activity) === 'you said 我可以参加吗');
      expect(reply).toMatchObject({ replyToId: id, from: { role: 'bot' } });
      // Typing indicators only exist on the socket.
      expect(received.some((activity) => activity.type === 'typing')).toBe(webSocket);
      expect(received.filter((activity) => textOf(activity)?.startsWith('greeting'))).toHaveLength(1);
    } finally {
      subscription.unsubscribe();
      statusSubscription.unsubscribe();
      directLine.end();
    }
  });
});
