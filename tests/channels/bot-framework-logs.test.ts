import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { startRecordingServer } from '../support/http';

/**
 * Issue 8: "conversation ids appear in debug logs". Two whole conversations (the web page's Direct Line and the
 * Emulator on /api/messages) with the real logger at debug level: no line may hold a conversation id, a user
 * id or anything the person typed; the request lines carry request ids.
 */
const directLineSecret = 'logs-test-directline-secret-0123456789';
const typed = ['I am the patient', 'talk to a person', 'yes', 'Zebulon Quarkfield', '+86 139 0000 8765', 'zq@example.org', 'after 7 pm on weekdays please', 'Mandarin'];
// Long enough not to turn up by chance in a uuid, a hash or a timestamp (a bare '8765' did, now and then).
const distinctive = ['Zebulon', 'Quarkfield', '1390000', '0000 8765', '00008765', 'zq@example', 'after 7 pm on weekdays'];

describe('logs of whole conversations', () => {
  const lines: string[] = [];
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  let emulator: Awaited<ReturnType<typeof startRecordingServer>>;
  const ids: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-logs-'));
    emulator = await startRecordingServer(() => ({ status: 200, body: { id: 'reply' } }));
    app = await buildApp(loadConfig({ DATA_DIR: dataDir, DIRECTLINE_SECRET: directLineSecret, LOG_LEVEL: 'debug' }), { logger: createLogger('debug', (line) => lines.push(line)) });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;

    // The web page: self-hosted Direct Line up to the read-back.
    const base = `${baseUrl}/v3/directline`;
    const generated = (await (await fetch(`${base}/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${directLineSecret}` } })).json()) as { token: string };
    const started = (await (await fetch(`${base}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${generated.token}`, 'content-type': 'application/json' }, body: '{"locale":"en-US"}' })).json()) as { conversationId: string; token: string };
    ids.push(started.conversationId);
    const headers = { authorization: `Bearer ${started.token}`, 'content-type': 'application/json' };
    for (const [index, text] of typed.entries()) {
      const posted = await fetch(`${base}/conversations/${started.conversationId}/activities`, { method: 'POST', headers, body: JSON.stringify({ type: 'message', text, locale: 'en-US', from: { id: 'x' }, channelData: { clientActivityID: `log-${index}` } }) });
      expect(posted.status).toBe(200);
    }
    const history = (await (await fetch(`${base}/conversations/${started.conversationId}/activities`, { headers })).json()) as { activities: Array<{ from: { id: string; role?: string }; text?: string }> };
    ids.push(history.activities.find((activity) => activity.from.role === 'user')?.from.id ?? 'missing-user-id');
    expect(history.activities.map((activity) => activity.text ?? '').join('\n')).toContain('Zebulon Quarkfield');

    // The Emulator on /api/messages.
    const conversationId = 'emulatorConversation7Q2';
    ids.push(conversationId, 'emulatorUser9Z4');
    for (const [index, text] of typed.slice(0, 4).entries()) {
      const response = await fetch(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', id: `e${index}`, text, channelId: 'emulator', serviceUrl: emulator.url, conversation: { id: conversationId }, from: { id: 'emulatorUser9Z4' }, recipient: { id: 'bot' }, locale: 'en-US' }),
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no line, even at debug level, holds a conversation id, a user id or what the person typed', () => {
    expect(lines.length).toBeGreaterThan(10);
    const text = lines.join('\n');
    for (const id of ids) expect(text, id).not.toContain(id);
    for (const value of distinctive) expect(text, value).not.toContain(value);
  });

  it('each HTTP request is logged once at info with a request id and the route pattern', () => {
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request' && entry.level === 'info');
    const messages = requests.filter((entry) => entry.route === '/v3/directline/conversations/:id/activities' && entry.method === 'POST');
    expect(messages).toHaveLength(typed.length);
    expect(requests.filter((entry) => entry.route === '/api/messages')).toHaveLength(4);
    const requestIds = requests.map((entry) => entry.requestId);
    expect(requestIds.every((id) => typeof id === 'string' && id.length >= 8)).toBe(true);
    expect(new Set(requestIds).size).toBe(requestIds.length);
  });
});
