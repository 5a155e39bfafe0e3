import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyJson, crashesIn, deepJson, type FuzzApp, fuzzParameters, isPoliteAnswer, oddText, request, StatusCounts, startFuzzApp } from './fuzz-support';

/**
 * Fuzzing the self-hosted Direct Line surface (token route, tokens, conversations, activities) of the real app:
 * whatever arrives, the answer is 2xx or 4xx without internals, no turn crashes, and /healthz stays 200.
 */
const secret = 'fuzz-directline-secret-0123456789abcdef';

let fuzz: FuzzApp;
let conversations: Array<{ id: string; token: string }> = [];

beforeAll(async () => {
  fuzz = await startFuzzApp({ DIRECTLINE_SECRET: secret, WEB_ALLOWED_ORIGINS: 'https://hospital.example' });
  conversations = [];
  for (const locale of ['en-US', 'zh-CN', 'zh-HK']) {
    const started = await request(`${fuzz.baseUrl}/v3/directline/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ locale }),
    });
    const body = JSON.parse(started.body) as { conversationId: string; token: string };
    conversations.push({ id: body.conversationId, token: body.token });
  }
});

afterAll(async () => {
  await fuzz.close();
});

/** What a client may put in Authorization: the secret, a real token, another conversation's, garbage, nothing. */
const authorization = fc.oneof(
  fc.constant(`Bearer ${secret}`),
  fc.integer({ min: 0, max: 2 }).map((index) => `Bearer ${conversations[index]?.token ?? ''}`),
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic abc', `Bearer ${secret} extra`, 'Bearer eyJhbGciOiJub25lIn0.eyJjb252IjoieCJ9.', `bearer\t${secret}`),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((text) => `Bearer ${text}`),
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'text/xml', 'multipart/form-data; boundary=x', '');

/** Activity-shaped JSON: mostly a message Web Chat could send (so the real bot runs), else every field odd. */
const activityBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record(
        {
          type: fc.constant('message'),
          text: oddText,
          locale: fc.constantFrom('en-US', 'zh-CN', 'zh-TW', 'zh-HK', 'fr-FR'),
          channelData: fc.record({ clientActivityID: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }) }),
          value: fc.oneof(fc.constant({ command: 'handoff' }), fc.constant({ command: 'precheck' }), anyJson(3)),
        },
        { requiredKeys: ['type', 'text'] },
      )
      .map((activity) => JSON.stringify(activity)),
  },
  { weight: 4, arbitrary: fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('message', 'event', 'typing', 'conversationUpdate', 'invoke', 'MESSAGE', ''), anyJson(1)),
        text: fc.oneof(oddText, anyJson(2)),
        locale: fc.oneof(fc.constantFrom('en-US', 'zh-CN', 'zh-TW', 'zh-HK', 'xx', 'en-US-u-ca-buddhist', '../../etc'), anyJson(1)),
        from: anyJson(2),
        conversation: anyJson(2),
        name: fc.oneof(fc.string({ maxLength: 300 }), anyJson(1)),
        value: fc.oneof(anyJson(5), fc.constant({ command: 'handoff' }), fc.constant({ command: 'precheck' })),
        channelData: fc.oneof(anyJson(5), fc.record({ clientActivityID: fc.oneof(fc.string({ maxLength: 60 }), anyJson(1)) })),
        attachments: anyJson(3),
        textFormat: fc.oneof(fc.constantFrom('plain', 'markdown', 'xml'), anyJson(1)),
      },
      { requiredKeys: [] },
    )
    .map((activity) => JSON.stringify(activity)) },
  { weight: 1, arbitrary: deepJson.map((deep) => `{"type":"message","text":"hi","channelData":{"x":${deep}}}`) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"text"', '{', '{"type":"message","text":"x"', 'type=message&text=hi', `{"type":"message","text":"${'x'.repeat(70_000)}"}`) },
);

describe('fuzz: self-hosted Direct Line', () => {
  it('activities: any body, auth and content type gets 2xx or 4xx without internals; no turn crashes', async () => {
    const statuses = new StatusCounts();
    // Mostly the conversation's own token and JSON, so most posts reach the bot.
    const ownToken = fc.constant('own token');
    const postAuth = fc.oneof({ weight: 6, arbitrary: ownToken }, { weight: 2, arbitrary: authorization });
    const postType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: contentType });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), postAuth, postType, activityBody, async (which, auth, type, body) => {
        const conversation = conversations[which] ?? { id: 'x', token: '' };
        const answer = await request(`${fuzz.baseUrl}/v3/directline/conversations/${conversation.id}/activities`, {
          method: 'POST',
          headers: { Authorization: auth === 'own token' ? `Bearer ${conversation.token}` : auth, ...(type ? { 'Content-Type': type } : {}) },
          body,
        });
        statuses.add(answer.status);
        expect(isPoliteAnswer(answer), `${answer.status} ${answer.body.slice(0, 300)}`).toBe(true);
      }),
      fuzzParameters('direct line activities', 250, 12_000),
    );
    console.info(`fuzz direct line activities: ${statuses.toString()}`);
    expect(crashesIn(fuzz.logLines)).toEqual([]);
  }, 60_000);

  it('tokens, conversations and history: any path id, watermark, body and auth gets 2xx or 4xx', async () => {
    const statuses = new StatusCounts();
    const route = fc.oneof(
      fc.constant({ method: 'POST', path: '/api/directline/token' }),
      fc.constant({ method: 'POST', path: '/v3/directline/tokens/generate' }),
      fc.constant({ method: 'POST', path: '/v3/directline/tokens/refresh' }),
      fc.constant({ method: 'POST', path: '/v3/directline/conversations' }),
      fc
        .tuple(fc.oneof(fc.integer({ min: 0, max: 2 }).map((index) => conversations[index]?.id ?? ''), fc.string({ maxLength: 80 })), fc.oneof(fc.string({ maxLength: 30 }), fc.nat().map(String)))
        .chain(([id, watermark]) =>
          fc.constantFrom(
            { method: 'GET', path: `/v3/directline/conversations/${encodeURIComponent(id)}?watermark=${encodeURIComponent(watermark)}` },
            { method: 'GET', path: `/v3/directline/conversations/${encodeURIComponent(id)}/activities?watermark=${encodeURIComponent(watermark)}` },
            { method: 'OPTIONS', path: `/v3/directline/conversations/${encodeURIComponent(id)}/activities` },
          ),
        ),
    );
    const startBody = fc.oneof(
      anyJson(4).map((value) => JSON.stringify(value)),
      fc.record({ user: fc.oneof(fc.record({ id: fc.string({ maxLength: 100 }), name: oddText }), anyJson(2)), locale: fc.oneof(fc.string({ maxLength: 50 }), anyJson(1)) }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      deepJson,
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(route, authorization, contentType, startBody, fc.constantFrom(undefined, 'https://hospital.example', 'https://evil.example', 'null'), async ({ method, path }, auth, type, body, origin) => {
        const answer = await request(`${fuzz.baseUrl}${path}`, {
          method,
          headers: { Authorization: auth, ...(type ? { 'Content-Type': type } : {}), ...(origin ? { Origin: origin } : {}) },
          ...(method === 'POST' ? { body } : {}),
        });
        statuses.add(answer.status);
        expect(isPoliteAnswer(answer), `${method} ${answer.status} ${answer.body.slice(0, 300)}`).toBe(true);
      }),
      fuzzParameters('direct line tokens and conversations', 250, 6_000),
    );
    console.info(`fuzz direct line tokens and conversations: ${statuses.toString()}`);
    expect(crashesIn(fuzz.logLines)).toEqual([]);
  }, 60_000);

  it('stays healthy afterwards', async () => {
    expect((await request(`${fuzz.baseUrl}/healthz`, { method: 'GET' })).status).toBe(200);
  });
});
