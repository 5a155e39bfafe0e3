import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';

/**
 * Fault suite: a client retries a Direct Line POST whose answer it did not receive (a dropped connection, a
 * proxy timeout). Web Chat sends the retry with the same `channelData.clientActivityID`; the bot must handle
 * the message once: one answer, one state change, never a second hand-off step on a stale prompt.
 */
const secret = 'fault-suite-directline-secret-0123456789';
let app: App;
let baseUrl: string;
const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-dl-dup-'));

beforeAll(async () => {
  app = await buildApp(loadConfig({ DATA_DIR: dataDir, DIRECTLINE_SECRET: secret, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  baseUrl = `http://127.0.0.1:${await app.start(0)}/v3/directline`;
});

afterAll(async () => {
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Activity {
  id?: string;
  type: string;
  text?: string;
  from?: { id?: string; role?: string };
  channelData?: { clientActivityID?: string };
}

async function call(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function openConversation(): Promise<{ id: string; token: string }> {
  const started = await call('POST', '/conversations', secret, { locale: 'en-US' });
  expect(started.status).toBe(201);
  return { id: started.json.conversationId as string, token: started.json.token as string };
}

async function botMessages(conversation: { id: string; token: string }): Promise<Activity[]> {
  const page = await call('GET', `/conversations/${conversation.id}/activities`, conversation.token);
  return (page.json.activities as Activity[]).filter((activity) => activity.type === 'message' && activity.from?.role !== 'user');
}

describe('the same Direct Line activity posted twice', () => {
  for (const timing of ['one after the other', 'at the same time'] as const) {
    it(`is handled once (${timing})`, async () => {
      const once = await openConversation();
      const twice = await openConversation();
      const message = (clientActivityID: string) => ({ type: 'message', text: 'I am the patient', locale: 'en-US', channelData: { clientActivityID } });

      expect((await call('POST', `/conversations/${once.id}/activities`, once.token, message('client-1'))).status).toBe(200);
      const answeredOnce = await botMessages(once);

      let posts;
      if (timing === 'one after the other') {
        posts = [
          await call('POST', `/conversations/${twice.id}/activities`, twice.token, message('client-1')),
          await call('POST', `/conversations/${twice.id}/activities`, twice.token, message('client-1')),
        ];
      } else {
        posts = await Promise.all([
          call('POST', `/conversations/${twice.id}/activities`, twice.token, message('client-1')),
          call('POST', `/conversations/${twice.id}/activities`, twice.token, message('client-1')),
        ]);
      }
      // The retry is acknowledged (the client must stop retrying), with the id of the activity it repeats.
      expect(posts.map((post) => post.status)).toEqual([200, 200]);
      expect(posts[1]?.json.id).toBe(posts[0]?.json.id);
      const answeredTwice = await botMessages(twice);
      expect(answeredTwice.map((activity) => activity.text)).toEqual(answeredOnce.map((activity) => activity.text));

      // A new message (another clientActivityID) with the same words is a new message.
      expect((await call('POST', `/conversations/${twice.id}/activities`, twice.token, message('client-2'))).status).toBe(200);
      expect((await botMessages(twice)).length).toBeGreaterThan(answeredTwice.length);
    });
  }
});
