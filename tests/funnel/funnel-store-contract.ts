import { afterEach, describe, expect, it } from 'vitest';
import type { FunnelCount, NewUnansweredQuestion } from '../../src/storage/funnel-ports';
import type { NewReferral, Stores } from '../../src/storage/ports';
import { purgeUnansweredQuestions } from '../../src/storage/retention';

/** One empty database for one test, and every stored row as text (to check what is stored in the clear). */
export interface FunnelTestDatabase {
  readonly stores: Stores;
  rawText(): Promise<string>;
}

export interface FunnelStoresBackend {
  readonly kind: 'sqlite' | 'postgres';
  fresh(): Promise<FunnelTestDatabase>;
}

const t0 = new Date('2030-03-04T08:00:00.000Z'); // a Monday, 2030-W10
const days = (count: number) => new Date(t0.getTime() + count * 24 * 60 * 60 * 1000);

function count(week: string, stage: FunnelCount['stage'], value: number, locale = 'en', channel = 'directline'): FunnelCount {
  return { week, locale, channel, stage, count: value };
}

function question(text: string, at: Date, overrides: Partial<NewUnansweredQuestion> = {}): NewUnansweredQuestion {
  return { text, outcome: 'unsure', week: '2030-W10', locale: 'en', channel: 'directline', at, ...overrides };
}

function referral(locale: string, channel: string): NewReferral {
  return {
    conversationKey: `${channel}/${Math.random().toString(36).slice(2)}`,
    channel,
    locale,
    contact: { name: 'Chen', phone: '+8613812345678', bestTime: 'morning', preferredLanguage: locale, relationship: 'self' },
    consentVersion: 'consent-v1',
  };
}

export function describeFunnelStoreContract(backend: FunnelStoresBackend): void {
  describe(`funnel store contract (${backend.kind})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function fresh(): Promise<FunnelTestDatabase> {
      const database = await backend.fresh();
      cleanups.push(() => database.stores.close());
      return database;
    }

    it('adds counts to the stored ones (one row per week, locale, channel and stage) and applies the migration', async () => {
      const { stores } = await fresh();
      expect(await stores.migrationsApplied()).toBe(true);
      await stores.funnel.add([count('2030-W10', 'conversation-started', 2), count('2030-W10', 'topic-viewed', 1)], []);
      await stores.funnel.add([count('2030-W10', 'conversation-started', 3), count('2030-W10', 'conversation-started', 1, 'zh-Hans')], []);
      // Zero and empty batches write nothing.
      await stores.funnel.add([count('2030-W11', 'handoff-consented', 0)], []);
      await stores.funnel.add([], []);
      expect(await stores.funnel.counts({})).toEqual([
        count('2030-W10', 'conversation-started', 5),
        count('2030-W10', 'topic-viewed', 1),
        count('2030-W10', 'conversation-started', 1, 'zh-Hans'),
      ]);
    });

    it('loses no increment when writes race on one counter', async () => {
      const { stores } = await fresh();
      await Promise.all(Array.from({ length: 8 }, () => stores.funnel.add([count('2030-W10', 'precheck-started', 1)], [])));
      expect(await stores.funnel.counts({})).toEqual([count('2030-W10', 'precheck-started', 8)]);
    });

    it('filters counts by language, channel and week range (both ends included)', async () => {
      const { stores } = await fresh();
      await stores.funnel.add(
        [
          count('2030-W09', 'topic-viewed', 1),
          count('2030-W10', 'topic-viewed', 2),
          count('2030-W11', 'topic-viewed', 4),
          count('2030-W12', 'topic-viewed', 8),
          count('2030-W10', 'topic-viewed', 16, 'zh-Hant', 'wechat'),
          count('2030-W10', 'topic-viewed', 32, 'en', 'wechat'),
        ],
        [],
      );
      const total = (rows: FunnelCount[]) => rows.reduce((sum, row) => sum + row.count, 0);
      expect(total(await stores.funnel.counts({ fromWeek: '2030-W10', toWeek: '2030-W11' }))).toBe(2 + 4 + 16 + 32);
      expect(total(await stores.funnel.counts({ locale: 'en' }))).toBe(1 + 2 + 4 + 8 + 32);
      expect(total(await stores.funnel.counts({ channel: 'wechat' }))).toBe(16 + 32);
      expect(total(await stores.funnel.counts({ channel: 'wechat', locale: 'zh-Hant', fromWeek: '2030-W10', toWeek: '2030-W10' }))).toBe(16);
      expect(await stores.funnel.counts({ fromWeek: '2030-W13' })).toEqual([]);
      expect(await stores.funnel.channels()).toEqual(['directline', 'wechat']);
    });

    it('lists unanswered questions newest first, identical texts counted together, filtered and limited; the text is encrypted at rest', async () => {
      const database = await fresh();
      const { funnel } = database.stores;
      await funnel.add(
        [],
        [
          question('Is parking free at the hospital?', days(0)),
          question('can I bring my dog', days(1), { outcome: 'outOfScope' }),
          question('Is parking free at the hospital?', days(2)),
          question('医院停车免费吗', days(3), { locale: 'zh-Hans', channel: 'wechat', week: '2030-W10' }),
          question('Old question', days(-14), { week: '2030-W08' }),
        ],
      );
      const all = await funnel.unansweredQuestions({}, 10);
      expect(all).toEqual([
        { text: '医院停车免费吗', count: 1, lastAskedAt: days(3), locale: 'zh-Hans' },
        { text: 'Is parking free at the hospital?', count: 2, lastAskedAt: days(2), locale: 'en' },
        { text: 'can I bring my dog', count: 1, lastAskedAt: days(1), locale: 'en' },
        { text: 'Old question', count: 1, lastAskedAt: days(-14), locale: 'en' },
      ]);
      expect((await funnel.unansweredQuestions({}, 2)).map((row) => row.text)).toEqual(['医院停车免费吗', 'Is parking free at the hospital?']);
      expect((await funnel.unansweredQuestions({ locale: 'en', fromWeek: '2030-W10' }, 10)).map((row) => row.text)).toEqual([
        'Is parking free at the hospital?',
        'can I bring my dog',
      ]);
      expect((await funnel.unansweredQuestions({ channel: 'wechat' }, 10)).map((row) => row.text)).toEqual(['医院停车免费吗']);
      const raw = await database.rawText();
      expect(raw).toMatch(/v1:[A-Za-z0-9+/=]+:/);
      for (const text of ['parking', 'dog', '医院停车免费吗', 'Old question']) expect(raw).not.toContain(text);
    });

    it('purges unanswered questions with the chat-state retention and keeps the counts', async () => {
      const { stores } = await fresh();
      await stores.funnel.add([count('2030-W10', 'question-not-recognised', 2)], [question('recent', days(0)), question('old', days(-31))]);
      await expect(purgeUnansweredQuestions(stores, t0, 0)).rejects.toThrow(/positive/);
      expect(await purgeUnansweredQuestions(stores, t0, 30)).toBe(1);
      expect((await stores.funnel.unansweredQuestions({}, 10)).map((row) => row.text)).toEqual(['recent']);
      expect(await stores.funnel.purgeQuestionsBefore(days(1))).toBe(1);
      expect(await stores.funnel.unansweredQuestions({}, 10)).toEqual([]);
      expect(await stores.funnel.counts({})).toEqual([count('2030-W10', 'question-not-recognised', 2)]);
    });

    it('reads referrals as the funnel sees them: creation time, status, language and channel, nothing personal', async () => {
      const { stores } = await fresh();
      const first = await stores.referrals.createWithNotifications(referral('en', 'directline'), [], days(0));
      await stores.referrals.createWithNotifications(referral('zh-Hans', 'wechat'), [], days(1));
      await stores.referrals.createWithNotifications(referral('en', 'directline'), [], days(8));
      await stores.referrals.update(first.id, { status: 'enrolled' }, days(2));
      const rows = await stores.funnel.referralsCreatedBetween(days(0), days(8), {});
      expect(rows).toEqual([
        { createdAt: days(0), status: 'enrolled', locale: 'en', channel: 'directline' },
        { createdAt: days(1), status: 'new', locale: 'zh-Hans', channel: 'wechat' },
      ]);
      expect(await stores.funnel.referralsCreatedBetween(days(0), days(9), { locale: 'en', channel: 'directline' })).toHaveLength(2);
      expect(await stores.funnel.referralsCreatedBetween(days(0), days(9), { channel: 'wechat' })).toEqual([rows[1]]);
    });
  });
}
