import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock';
import { loadConfig } from '../../src/config/load-config';
import type { EventOrigin, StudyEvent } from '../../src/events/study-events';
import { createFunnelRecorder, type FunnelRecorder } from '../../src/funnel/funnel-recorder';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { FunnelCount } from '../../src/storage/funnel-ports';
import type { Stores } from '../../src/storage/ports';

/** A clock the test moves by hand. */
function manualClock(start: string): Clock & { set(instant: string): void } {
  let now = new Date(start);
  return { now: () => new Date(now), set: (instant) => (now = new Date(instant)) };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshStores(): Promise<Stores> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-funnel-rec-'));
  const stores = await createStores(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => stores.close());
  return stores;
}

function recorderFor(options: Parameters<typeof createFunnelRecorder>[0]): FunnelRecorder {
  const recorder = createFunnelRecorder(options);
  cleanups.push(() => recorder.stop());
  return recorder;
}

const web: EventOrigin = { locale: 'en', channel: 'directline' };
const wechatHans: EventOrigin = { locale: 'zh-Hans', channel: 'wechat' };

describe('funnel recorder', () => {
  it('counts each stage per ISO week, locale and channel; safety events are not funnel stages', async () => {
    const stores = await freshStores();
    const clock = manualClock('2026-11-29T23:59:00Z'); // Sunday, 2026-W48 in UTC
    const recorder = recorderFor({ store: stores.funnel, clock, logger: createLogger('silent'), flushEveryMs: 60_000 });
    const events: Array<[StudyEvent, EventOrigin]> = [
      [{ type: 'conversationStarted' }, web],
      [{ type: 'topicViewed', topicId: 'what-is-the-study' }, web],
      [{ type: 'topicViewed', topicId: 'side-effects' }, web],
      [{ type: 'questionAsked', outcome: 'confident', intent: 'side-effects' }, web],
      [{ type: 'safetyTriggered', category: 'bleeding', certainty: 'clear' }, web],
      [{ type: 'medicalDecisionDeflected' }, web],
    ];
    for (const [event, origin] of events) recorder.record(event, origin);
    clock.set('2026-11-30T00:00:00Z'); // Monday: the next week
    const later: Array<[StudyEvent, EventOrigin]> = [
      [{ type: 'conversationStarted' }, wechatHans],
      [{ type: 'questionAsked', outcome: 'unsure', text: '停车要钱吗' }, wechatHans],
    ];
    for (const [event, origin] of later) recorder.record(event, origin);
    clock.set('2026-11-30T00:01:00Z');
    const latest: Array<[StudyEvent, EventOrigin]> = [
      [{ type: 'questionAsked', outcome: 'outOfScope', text: '今天天气怎么样' }, wechatHans],
      [{ type: 'precheckStarted' }, wechatHans],
      [{ type: 'precheckFinished', outcome: 'may-fit' }, wechatHans],
      [{ type: 'precheckFinished', outcome: 'probably-not' }, wechatHans],
      [{ type: 'precheckFinished', outcome: 'cannot-tell' }, wechatHans],
      [{ type: 'handoffConsented' }, wechatHans],
      [{ type: 'conversationStarted' }, { locale: 'en', channel: 'Evil Channel <script>' }],
    ];
    for (const [event, origin] of latest) recorder.record(event, origin);
    expect(await stores.funnel.counts({})).toEqual([]); // nothing written before a flush
    await recorder.flush();

    const expected: FunnelCount[] = [
      { week: '2026-W48', locale: 'en', channel: 'directline', stage: 'conversation-started', count: 1 },
      { week: '2026-W48', locale: 'en', channel: 'directline', stage: 'question-recognised', count: 1 },
      { week: '2026-W48', locale: 'en', channel: 'directline', stage: 'topic-viewed', count: 2 },
      { week: '2026-W49', locale: 'en', channel: 'other', stage: 'conversation-started', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'conversation-started', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'handoff-consented', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'precheck-cannot-tell', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'precheck-may-fit', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'precheck-probably-not', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'precheck-started', count: 1 },
      { week: '2026-W49', locale: 'zh-Hans', channel: 'wechat', stage: 'question-not-recognised', count: 2 },
    ];
    expect(await stores.funnel.counts({})).toEqual(expected);
    expect(await stores.funnel.unansweredQuestions({}, 10)).toEqual([
      { text: '今天天气怎么样', count: 1, lastAskedAt: new Date('2026-11-30T00:01:00Z'), locale: 'zh-Hans' },
      { text: '停车要钱吗', count: 1, lastAskedAt: new Date('2026-11-30T00:00:00Z'), locale: 'zh-Hans' },
    ]);

    // A second flush adds to the stored counts; an empty one writes nothing.
    recorder.record({ type: 'conversationStarted' }, wechatHans);
    await recorder.flush();
    await recorder.flush();
    const started = (await stores.funnel.counts({ channel: 'wechat' })).find((row) => row.stage === 'conversation-started');
    expect(started?.count).toBe(2);
  });

  it('buckets weeks in the site time zone', async () => {
    const stores = await freshStores();
    const clock = manualClock('2026-11-29T20:00:00Z'); // Sunday in UTC, Monday 04:00 in Hong Kong
    const recorder = recorderFor({ store: stores.funnel, clock, logger: createLogger('silent'), timeZone: 'Asia/Hong_Kong', flushEveryMs: 60_000 });
    recorder.record({ type: 'conversationStarted' }, { locale: 'zh-Hant', channel: 'directline' });
    await recorder.stop();
    expect((await stores.funnel.counts({})).map((row) => row.week)).toEqual(['2026-W49']);
    expect(() => createFunnelRecorder({ store: stores.funnel, clock, logger: createLogger('silent'), timeZone: 'Nowhere/Atlantis' })).toThrow(RangeError);
  });

  it('stores only the redacted text of an unanswered question, and no text of a recognised one', async () => {
    const stores = await freshStores();
    const clock = manualClock('2026-12-01T09:00:00Z');
    const recorder = recorderFor({ store: stores.funnel, clock, logger: createLogger('silent'), flushEveryMs: 60_000 });
    recorder.record({ type: 'questionAsked', outcome: 'unsure', text: 'Can you call me on +852 9123 4567 or mail lee@example.hk?' }, web);
    recorder.record({ type: 'questionAsked', outcome: 'confident', intent: 'side-effects', text: 'what are the side effects, 13812345678' }, web);
    recorder.record({ type: 'questionAsked', outcome: 'outOfScope', text: '   ' }, web);
    await recorder.flush();
    expect(await stores.funnel.unansweredQuestions({}, 10)).toEqual([{ text: 'Can you call me on [phone] or mail [email]?', count: 1, lastAskedAt: clock.now(), locale: 'en' }]);
    expect((await stores.funnel.counts({})).map((row) => [row.stage, row.count])).toEqual([
      ['question-not-recognised', 2],
      ['question-recognised', 1],
    ]);
  });

  it('returns at once from record, writes on its timer, keeps a failed batch for the next write and logs no text', async () => {
    const stores = await freshStores();
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => lines.push(line));
    let attempts = 0;
    const failingOnce = {
      add: (...args: Parameters<Stores['funnel']['add']>) => {
        attempts += 1;
        return attempts === 1 ? Promise.reject(Object.assign(new Error('SQLITE_BUSY: database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' })) : stores.funnel.add(...args);
      },
    };
    const clock = manualClock('2026-12-01T09:00:00Z');
    const recorder = recorderFor({ store: failingOnce, clock, logger, flushEveryMs: 50 });
    const started = performance.now();
    recorder.record({ type: 'questionAsked', outcome: 'unsure', text: 'secret question about parking' }, web);
    recorder.record({ type: 'precheckStarted' }, web);
    expect(performance.now() - started).toBeLessThan(50);
    expect(attempts).toBe(0);

    const deadline = Date.now() + 5000;
    while ((await stores.funnel.counts({})).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect((await stores.funnel.counts({})).map((row) => [row.stage, row.count])).toEqual([
      ['precheck-started', 1],
      ['question-not-recognised', 1],
    ]);
    expect((await stores.funnel.unansweredQuestions({}, 10)).map((row) => row.text)).toEqual(['secret question about parking']);
    const failure = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'funnel write failed; kept for the next try');
    expect(failure).toMatchObject({ level: 'error', error: 'SqliteError', code: 'SQLITE_BUSY', counts: 2, questions: 1 });
    expect(lines.join('\n')).not.toContain('parking');
  });

  it('writes a burst of questions early, before its timer, instead of dropping them', async () => {
    const stores = await freshStores();
    const recorder = recorderFor({ store: stores.funnel, clock: manualClock('2026-12-01T09:00:00Z'), logger: createLogger('silent'), maxPendingQuestions: 4, flushEveryMs: 60_000 });
    for (const text of ['first burst question', 'second burst question']) recorder.record({ type: 'questionAsked', outcome: 'outOfScope', text }, web);
    const deadline = Date.now() + 5000;
    while ((await stores.funnel.unansweredQuestions({}, 10)).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await stores.funnel.unansweredQuestions({}, 10)).map((row) => row.text).sort()).toEqual(['first burst question', 'second burst question']);
  });

  it('never rejects a flush when storage is gone, and drops questions beyond its cap', async () => {
    const stores = await freshStores();
    await stores.close();
    const lines: string[] = [];
    const recorder = recorderFor({ store: stores.funnel, clock: manualClock('2026-12-01T09:00:00Z'), logger: createLogger('debug', (line) => lines.push(line)), maxPendingQuestions: 2, flushEveryMs: 60_000 });
    for (const text of ['one question', 'two question', 'three question']) recorder.record({ type: 'questionAsked', outcome: 'unsure', text }, web);
    await expect(recorder.flush()).resolves.toBeUndefined();
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.find((line) => line.msg === 'funnel write failed; kept for the next try')).toMatchObject({ questions: 2 });
    expect(logged.find((line) => line.msg === 'funnel dropped unanswered questions while storage was failing')).toMatchObject({ dropped: 1 });
    expect(lines.join('\n')).not.toContain('question"');
    expect(lines.join('\n')).not.toMatch(/one question|two question|three question/);
  });
});
