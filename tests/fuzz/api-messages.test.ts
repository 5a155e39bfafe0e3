import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer } from '../support/http';
import { anyJson, crashesIn, deepJson, type FuzzApp, fuzzParameters, isPoliteAnswer, oddText, request, StatusCounts, startFuzzApp } from './fuzz-support';

/**
 * Fuzzing POST /api/messages of the real app with auth off, as the Bot Framework Emulator calls it (channel
 * "emulator", replies to a loopback serviceUrl: a local recording server). Activities with every field odd, bodies
 * that are not JSON at all: the answer is 2xx or 4xx without internals, and /healthz stays 200.
 */
let fuzz: FuzzApp;
let emulator: Awaited<ReturnType<typeof startRecordingServer>>;

beforeAll(async () => {
  emulator = await startRecordingServer(() => ({ status: 200, body: { id: 'reply' } }));
  fuzz = await startFuzzApp({});
});

afterAll(async () => {
  await fuzz?.close();
  await emulator?.close();
});

let sequence = 0;

/** An Emulator activity: mostly well formed (so turns run), with any field sometimes odd or missing. */
const activity = fc
  .record(
    {
      type: fc.oneof({ weight: 6, arbitrary: fc.constant('message') }, { weight: 1, arbitrary: fc.constantFrom('conversationUpdate', 'event', 'invoke', 'typing', 'messageReaction', 'endOfConversation', 'installationUpdate', '') }, { weight: 1, arbitrary: anyJson(1) }),
      text: fc.oneof({ weight: 5, arbitrary: oddText }, { weight: 1, arbitrary: anyJson(2) }),
      channelId: fc.oneof({ weight: 8, arbitrary: fc.constant('emulator') }, { weight: 1, arbitrary: fc.constantFrom('wechat', 'directline', 'msteams', 'EMULATOR', '') }, { weight: 1, arbitrary: anyJson(1) }),
      serviceUrl: fc.oneof({ weight: 8, arbitrary: fc.constant('emulator') }, { weight: 1, arbitrary: fc.constantFrom('http://127.0.0.1:9', 'http://169.254.169.254/latest', 'file:///etc/passwd', 'not a url', '') }, { weight: 1, arbitrary: anyJson(1) }),
      conversation: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => ({ id: `fuzz-conversation-${n}` })) }, { weight: 1, arbitrary: fc.constantFrom(null, {}, { id: '' }, { id: 42 }, 'conversation') }, { weight: 1, arbitrary: anyJson(2) }),
      from: fc.oneof({ weight: 6, arbitrary: fc.constant({ id: 'fuzz-user', name: 'User' }) }, { weight: 1, arbitrary: anyJson(2) }),
      recipient: fc.oneof({ weight: 6, arbitrary: fc.constant({ id: 'bot', name: 'Bot' }) }, { weight: 1, arbitrary: anyJson(2) }),
      locale: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('en-US', 'zh-CN', 'zh-TW', 'zh-HK') }, { weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: anyJson(1) }),
      membersAdded: fc.oneof({ weight: 6, arbitrary: fc.constant([{ id: 'fuzz-user' }]) }, { weight: 1, arbitrary: anyJson(2) }),
      value: anyJson(4),
      channelData: anyJson(4),
      // Mostly the right shape (arrays of objects with odd contents), so that turns run; sometimes anything.
      entities: fc.oneof({ weight: 6, arbitrary: fc.array(fc.dictionary(fc.string({ maxLength: 8 }), anyJson(2), { maxKeys: 4 }), { maxLength: 3 }) }, { weight: 1, arbitrary: anyJson(3) }),
      attachments: fc.oneof({ weight: 6, arbitrary: fc.array(fc.dictionary(fc.string({ maxLength: 8 }), anyJson(2), { maxKeys: 4 }), { maxLength: 3 }) }, { weight: 1, arbitrary: anyJson(3) }),
      timestamp: fc.oneof(fc.constant(new Date().toISOString()), fc.string({ maxLength: 30 }), anyJson(1)),
    },
    { requiredKeys: ['type', 'channelId', 'serviceUrl', 'conversation', 'from', 'recipient'] },
  )
  .map((fields) => JSON.stringify({ id: `fuzz-${(sequence += 1)}`, ...fields, ...(fields.serviceUrl === 'emulator' ? { serviceUrl: emulator.url } : {}) }));

const body: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: activity },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'null', '[]', '0', '"x"', '{', 'type=message&text=hi&conversation[id]=1', '{"type":"message","conversation":null}', '{"type":"message","channelId":"emulator","conversation":{"id":"c"}}', `{"type":"message","text":"${'x'.repeat(70_000)}"}`),
  },
);

const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'text/xml', 'multipart/form-data; boundary=x', '') });

describe('fuzz: POST /api/messages (Emulator, auth off)', () => {
  it('any activity or body gets 2xx or 4xx without internals; no turn crashes', async () => {
    const statuses = new StatusCounts();
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, type) => {
        const answer = await request(`${fuzz.baseUrl}/api/messages`, { method: 'POST', headers: type ? { 'Content-Type': type } : {}, body: payload });
        statuses.add(answer.status);
        // 501 is the Bot Framework protocol's answer to an invoke the bot does not handle (not a failure).
        const unhandledInvoke = answer.status === 501 && /"type":"invoke"/.test(payload);
        expect(isPoliteAnswer(answer) || unhandledInvoke, `${answer.status} ${answer.body.slice(0, 300)}`).toBe(true);
      }),
      fuzzParameters('api/messages', 250, 12_000),
    );
    console.info(`fuzz api/messages: ${statuses.toString()}; the bot replied ${emulator.requests.length} times to the loopback Emulator`);
    // The property means something only if real turns ran: most generated activities are well formed.
    expect(emulator.requests.length).toBeGreaterThan(10);
    expect(crashesIn(fuzz.logLines)).toEqual([]);
  }, 60_000);

  it('stays healthy afterwards', async () => {
    expect((await request(`${fuzz.baseUrl}/healthz`, { method: 'GET' })).status).toBe(200);
  });
});
