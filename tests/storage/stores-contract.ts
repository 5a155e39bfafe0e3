import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { referenceAlphabet } from '../../src/security/reference-code';
import type { CreateStoresOptions } from '../../src/storage/create-stores';
import type { ContactDetails, NewReferral, ReferralSummary, Stores } from '../../src/storage/ports';
import { InvalidCursorError } from '../../src/storage/referral-cursor';
import { purgeExpiredData, purgeIdleChatState } from '../../src/storage/retention';

/** One empty database for one test, with ways around the stores to check what they promise. */
export interface TestDatabase {
  readonly stores: Stores;
  /**
   * Another `Stores` on the same database: a second instance, or the same one after a restart.
   * `env` adds or replaces environment variables for that instance (e.g. another DATA_ENCRYPTION_KEY).
   */
  open(options?: CreateStoresOptions, env?: Record<string, string>): Promise<Stores>;
  /** Every row of every table as text, read with a separate raw connection (SQLite adds the file bytes). */
  rawText(): Promise<string>;
}

export interface StoresBackend {
  readonly kind: 'sqlite' | 'postgres';
  fresh(options?: CreateStoresOptions): Promise<TestDatabase>;
}

const phone = '+8613812345678';
const email = 'chen.xiaoming@example.com';
const name = '陈小明';
const referencePattern = new RegExp(`^TG-[${referenceAlphabet}]{5}$`);

function contact(overrides: Partial<ContactDetails> = {}): ContactDetails {
  return { name, phone, email, bestTime: 'morning', preferredLanguage: 'zh-Hans', relationship: 'self', ...overrides };
}

function newReferral(conversationKey: string, overrides: Partial<NewReferral> = {}): NewReferral {
  return {
    conversationKey,
    channel: 'webchat',
    locale: 'zh-Hans',
    contact: contact(),
    precheck: { outcome: 'may-fit', reasons: [], flags: ['brain-metastases'], answers: { age: '56', diagnosis: 'yes' }, criteriaVersion: '2026-01' },
    consentVersion: 'consent-v1',
    ...overrides,
  };
}

const t0 = new Date('2030-03-01T08:00:00.000Z');
const minutes = (count: number) => new Date(t0.getTime() + count * 60_000);

export function describeStoresContract(backend: StoresBackend): void {
  describe(`storage contract (${backend.kind})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function fresh(options?: CreateStoresOptions): Promise<TestDatabase> {
      const database = await backend.fresh(options);
      cleanups.push(() => database.stores.close());
      return database;
    }

    async function open(database: TestDatabase, options?: CreateStoresOptions): Promise<Stores> {
      const stores = await database.open(options);
      cleanups.push(() => stores.close());
      return stores;
    }

    describe('bot state', () => {
      it('round-trips documents and gives every write a new eTag', async () => {
        const { stores } = await fresh();
        await stores.botState.write({ 'webchat/conversations/c1': { dialogStack: ['precheck'], step: 2 } });
        const first = await stores.botState.read(['webchat/conversations/c1', 'webchat/conversations/missing']);
        expect(Object.keys(first)).toEqual(['webchat/conversations/c1']);
        expect(first['webchat/conversations/c1']).toMatchObject({ dialogStack: ['precheck'], step: 2 });
        const firstETag = first['webchat/conversations/c1'].eTag as string;
        expect(typeof firstETag).toBe('string');
        expect(firstETag).not.toBe('');

        await stores.botState.write({ 'webchat/conversations/c1': { ...first['webchat/conversations/c1'], step: 3 } });
        const second = await stores.botState.read(['webchat/conversations/c1']);
        expect(second['webchat/conversations/c1']).toMatchObject({ step: 3 });
        expect(second['webchat/conversations/c1'].eTag).not.toBe(firstETag);
        expect(await stores.botState.read([])).toEqual({});
      });

      it('rejects a write with a stale eTag and accepts "*", no eTag, and an eTag for a new key', async () => {
        const { stores } = await fresh();
        const key = 'webchat/conversations/etag';
        await stores.botState.write({ [key]: { value: 1 } });
        const stale = (await stores.botState.read([key]))[key];
        await stores.botState.write({ [key]: { ...stale, value: 2 } });

        await expect(stores.botState.write({ [key]: { ...stale, value: 'lost update' } })).rejects.toThrow(/eTag conflict/);
        expect((await stores.botState.read([key]))[key]).toMatchObject({ value: 2 });

        await stores.botState.write({ [key]: { value: 3, eTag: '*' } });
        expect((await stores.botState.read([key]))[key]).toMatchObject({ value: 3 });
        await stores.botState.write({ [key]: { value: 4 } });
        expect((await stores.botState.read([key]))[key]).toMatchObject({ value: 4 });

        await stores.botState.write({ 'webchat/conversations/new': { value: 'first', eTag: 'from-elsewhere' } });
        expect((await stores.botState.read(['webchat/conversations/new']))['webchat/conversations/new']).toMatchObject({ value: 'first' });
      });

      it('writes nothing of a multi-key write when one key conflicts', async () => {
        const { stores } = await fresh();
        await stores.botState.write({ a: { n: 1 }, b: { n: 1 } });
        const current = await stores.botState.read(['a', 'b']);
        await stores.botState.write({ b: { ...current.b, n: 2 } });
        await expect(stores.botState.write({ a: { ...current.a, n: 9 }, b: { ...current.b, n: 9 } })).rejects.toThrow(/eTag conflict/);
        const after = await stores.botState.read(['a', 'b']);
        expect(after.a).toMatchObject({ n: 1 });
        expect(after.b).toMatchObject({ n: 2 });
      });

      // One instance: on PostgreSQL its pool runs the writes on separate connections; on SQLite a single
      // process must hold a single connection (a synchronous driver cannot interleave two writers).
      it('lets concurrent writes race on one eTag: exactly one wins', async () => {
        const { stores } = await fresh();
        await stores.botState.write({ shared: { turn: 0 } });
        const seen = (await stores.botState.read(['shared'])).shared;
        const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((turn) => stores.botState.write({ shared: { ...seen, turn } })));
        const winners = results.filter((result) => result.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        for (const result of results) if (result.status === 'rejected') expect(String(result.reason)).toMatch(/eTag conflict/);
        const winner = ['a', 'b', 'c', 'd'][results.findIndex((result) => result.status === 'fulfilled')];
        expect((await stores.botState.read(['shared'])).shared).toMatchObject({ turn: winner });
      });

      it('deletes keys, and by exact prefix (wildcards and letter case are literal)', async () => {
        const { stores } = await fresh();
        await stores.botState.write({
          'webchat/conversations/a%_1': { n: 1 },
          'webchat/conversations/a%_1/extra': { n: 2 },
          'webchat/conversations/aXY1': { n: 3 },
          'webchat/conversations/A%_1': { n: 4 },
          'webchat/users/u1': { n: 5 },
        });
        expect(await stores.botState.deleteKeysWithPrefix('webchat/conversations/a%_1')).toBe(2);
        const left = await stores.botState.read(['webchat/conversations/a%_1', 'webchat/conversations/a%_1/extra', 'webchat/conversations/aXY1', 'webchat/conversations/A%_1', 'webchat/users/u1']);
        expect(Object.keys(left).sort()).toEqual(['webchat/conversations/A%_1', 'webchat/conversations/aXY1', 'webchat/users/u1']);
        await stores.botState.delete(['webchat/users/u1', 'never-written']);
        expect(await stores.botState.read(['webchat/users/u1'])).toEqual({});
        await expect(stores.botState.deleteKeysWithPrefix('')).rejects.toThrow(/empty prefix/);
      });
    });

    describe('referrals', () => {
      it('creates a referral with a reference and reads it back with and without contact details', async () => {
        const { stores } = await fresh();
        const input = newReferral('webchat/conv-1');
        const created = await stores.referrals.createWithNotifications(input, ['webhook'], t0);
        expect(created.reference).toMatch(referencePattern);
        expect(created).toMatchObject({ ...input, status: 'new', createdAt: t0, updatedAt: t0 });

        const read = await stores.referrals.get(created.id);
        expect(read).toEqual(created);

        const byReference = await stores.referrals.getByReference(created.reference.toLowerCase().replace('-', ' '));
        expect(byReference).toBeDefined();
        expect(byReference).not.toHaveProperty('contact');
        expect(byReference).toMatchObject({ id: created.id, reference: created.reference, precheck: input.precheck });
        expect(await stores.referrals.getByReference('TG-00000')).toBeUndefined();
        expect(await stores.referrals.get('no-such-id')).toBeUndefined();
      });

      it('creates a referral without a pre-check summary or email', async () => {
        const { stores } = await fresh();
        const { precheck: _omitted, ...withoutPrecheck } = newReferral('webchat/conv-2', { contact: contact({ email: undefined }) });
        const { email: _none, ...contactWithoutEmail } = contact();
        const created = await stores.referrals.createWithNotifications({ ...withoutPrecheck, contact: contactWithoutEmail }, [], t0);
        const read = await stores.referrals.get(created.id);
        expect(read).not.toHaveProperty('precheck');
        expect(read?.contact).toEqual(contactWithoutEmail);
        expect(await stores.outbox.countPending()).toBe(0);
      });

      it('retries with a new reference when a generated one is taken', async () => {
        const codes = ['TG-AAAAA', 'TG-AAAAA', 'TG-AAAAA', 'TG-BBBBB'];
        const { stores } = await fresh({ generateReference: () => codes.shift() ?? 'TG-ZZZZZ' });
        const first = await stores.referrals.createWithNotifications(newReferral('webchat/a'), ['webhook'], t0);
        const second = await stores.referrals.createWithNotifications(newReferral('webchat/b'), ['webhook'], t0);
        expect(first.reference).toBe('TG-AAAAA');
        expect(second.reference).toBe('TG-BBBBB');
        expect(await stores.outbox.countPending()).toBe(2);
        expect((await stores.referrals.getByReference('TG-BBBBB'))?.conversationKey).toBe('webchat/b');
      });

      it('lists newest first in pages that cover every referral exactly once', async () => {
        const { stores } = await fresh();
        const created: ReferralSummary[] = [];
        // Two referrals share each timestamp so the id tie-breaker of the cursor is exercised.
        for (let index = 0; index < 7; index += 1) {
          created.push(await stores.referrals.createWithNotifications(newReferral(`webchat/list-${index}`), [], minutes(Math.floor(index / 2))));
        }
        const seen: string[] = [];
        const pageSizes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.referrals.list({ limit: 3, ...(cursor ? { cursor } : {}) });
          pageSizes.push(page.items.length);
          seen.push(...page.items.map((item) => item.id));
          for (const item of page.items) expect(item).not.toHaveProperty('contact');
          cursor = page.nextCursor;
        } while (cursor);
        expect(pageSizes).toEqual([3, 3, 1]);
        const expected = [...created].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((item) => item.id);
        expect(seen).toEqual(expected);

        const exact = await stores.referrals.list({ limit: 7 });
        expect(exact.items).toHaveLength(7);
        expect(exact.nextCursor).toBeUndefined();
        await expect(stores.referrals.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('filters by status and since, and updates status and note', async () => {
        const { stores } = await fresh();
        const early = await stores.referrals.createWithNotifications(newReferral('webchat/f1'), [], minutes(0));
        const middle = await stores.referrals.createWithNotifications(newReferral('webchat/f2'), [], minutes(10));
        const late = await stores.referrals.createWithNotifications(newReferral('webchat/f3'), [], minutes(20));

        const updated = await stores.referrals.update(middle.id, { status: 'contacted', note: 'Called back, prefers afternoons' }, minutes(30));
        expect(updated).toMatchObject({ id: middle.id, status: 'contacted', note: 'Called back, prefers afternoons', updatedAt: minutes(30), createdAt: minutes(10) });
        expect(updated).not.toHaveProperty('contact');
        await stores.referrals.update(late.id, { status: 'contacted' }, minutes(31));
        await stores.referrals.update(late.id, { note: 'voicemail' }, minutes(32));
        expect(await stores.referrals.get(late.id)).toMatchObject({ status: 'contacted', note: 'voicemail', updatedAt: minutes(32) });
        expect(await stores.referrals.update('no-such-id', { status: 'declined' }, minutes(33))).toBeUndefined();

        const ids = async (query: Parameters<Stores['referrals']['list']>[0]) => (await stores.referrals.list(query)).items.map((item) => item.id);
        expect(await ids({ limit: 10, status: 'contacted' })).toEqual([late.id, middle.id]);
        expect(await ids({ limit: 10, status: 'new' })).toEqual([early.id]);
        expect(await ids({ limit: 10, since: minutes(10) })).toEqual([late.id, middle.id]);
        expect(await ids({ limit: 10, since: minutes(15), status: 'contacted' })).toEqual([late.id]);
        expect(await ids({ limit: 10, status: 'enrolled' })).toEqual([]);

        const firstPage = await stores.referrals.list({ limit: 1, status: 'contacted' });
        expect(firstPage.items.map((item) => item.id)).toEqual([late.id]);
        const secondPage = await stores.referrals.list({ limit: 1, status: 'contacted', cursor: firstPage.nextCursor });
        expect(secondPage.items.map((item) => item.id)).toEqual([middle.id]);
        expect(secondPage.nextCursor).toBeUndefined();
      });

      it('deletes a referral together with its pending notifications', async () => {
        const { stores } = await fresh();
        const kept = await stores.referrals.createWithNotifications(newReferral('webchat/keep'), ['webhook'], t0);
        const gone = await stores.referrals.createWithNotifications(newReferral('webchat/gone'), ['webhook', 'email'], t0);
        expect(await stores.outbox.countPending()).toBe(3);
        expect(await stores.referrals.delete(gone.id)).toBe(true);
        expect(await stores.referrals.delete(gone.id)).toBe(false);
        expect(await stores.referrals.get(gone.id)).toBeUndefined();
        expect(await stores.outbox.countPending()).toBe(1);
        const claimed = await stores.outbox.claimDue(t0, 10, 60_000, 'worker');
        expect(claimed.map((message) => message.referralId)).toEqual([kept.id]);
      });
    });

    describe('outbox', () => {
      it('retryNow makes parked and backed-off messages due now, and leaves delivered ones alone', async () => {
        const { stores } = await fresh();
        await stores.referrals.createWithNotifications(newReferral('webchat/r1'), ['webhook', 'email'], t0);
        const [parked, delivered] = await stores.outbox.claimDue(t0, 10, 60_000, 'w1');
        if (!parked || !delivered) throw new Error('expected two claimed messages');
        await stores.outbox.markFailed(parked.id, 'parked: 404', new Date(Date.UTC(9999, 11, 31)));
        await stores.outbox.markDelivered(delivered.id, t0);
        expect(await stores.outbox.claimDue(minutes(5), 10, 60_000, 'w1')).toEqual([]);
        expect(await stores.outbox.retryNow(minutes(5))).toBe(1);
        const again = await stores.outbox.claimDue(minutes(5), 10, 60_000, 'w1');
        expect(again.map((message) => message.id)).toEqual([parked.id]);
        expect(again[0]?.idempotencyKey).toBe(parked.idempotencyKey);
        expect(await stores.outbox.retryNow(minutes(5))).toBe(0);
      });

      it('claims due messages once, re-offers them when the lease expires, and keeps the idempotency key', async () => {
        const { stores } = await fresh();
        const referral = await stores.referrals.createWithNotifications(newReferral('webchat/o1'), ['webhook', 'email', 'webhook'], t0);
        expect(await stores.outbox.countPending()).toBe(2);
        expect(await stores.outbox.claimDue(minutes(-1), 10, 60_000, 'w1')).toEqual([]);

        const first = await stores.outbox.claimDue(t0, 10, 60_000, 'w1');
        expect(first.map((message) => message.sink).sort()).toEqual(['email', 'webhook']);
        for (const message of first) expect(message).toMatchObject({ referralId: referral.id, attempts: 1, nextAttemptAt: t0 });
        expect(new Set(first.map((message) => message.idempotencyKey)).size).toBe(2);
        expect(await stores.outbox.claimDue(minutes(0.5), 10, 60_000, 'w2')).toEqual([]);

        // The worker "crashed": after the lease, another worker gets the same messages and keys.
        const again = await stores.outbox.claimDue(minutes(1), 10, 60_000, 'w2');
        expect(again.map((message) => message.id).sort()).toEqual(first.map((message) => message.id).sort());
        for (const message of again) {
          expect(message.attempts).toBe(2);
          expect(message.idempotencyKey).toBe(first.find((original) => original.id === message.id)?.idempotencyKey);
        }
        expect(await stores.outbox.countPending()).toBe(2);
      });

      it('honours the claim limit and due order', async () => {
        const { stores } = await fresh();
        for (let index = 0; index < 5; index += 1) await stores.referrals.createWithNotifications(newReferral(`webchat/limit-${index}`), ['webhook'], minutes(index));
        const claimed = await stores.outbox.claimDue(minutes(10), 3, 60_000, 'w');
        expect(claimed.map((message) => message.nextAttemptAt)).toEqual([minutes(0), minutes(1), minutes(2)]);
        expect(await stores.outbox.claimDue(minutes(10), 0, 60_000, 'w')).toEqual([]);
        expect(await stores.outbox.claimDue(minutes(10), 10, 60_000, 'w')).toHaveLength(2);
      });

      it('reschedules failed messages and stops offering delivered ones', async () => {
        const { stores } = await fresh();
        await stores.referrals.createWithNotifications(newReferral('webchat/o2'), ['webhook', 'email'], t0);
        const [webhook, mail] = (await stores.outbox.claimDue(t0, 10, 60_000, 'w1')).sort((a, b) => a.sink.localeCompare(b.sink)).reverse();
        if (!webhook || !mail) throw new Error('expected two claimed messages');
        await stores.outbox.markDelivered(mail.id, minutes(0.1));
        await stores.outbox.markFailed(webhook.id, 'HTTP 503 from receiver', minutes(5));
        expect(await stores.outbox.countPending()).toBe(1);

        expect(await stores.outbox.claimDue(minutes(4), 10, 60_000, 'w1')).toEqual([]);
        const retried = await stores.outbox.claimDue(minutes(5), 10, 60_000, 'w1');
        expect(retried).toEqual([{ ...webhook, attempts: 2, nextAttemptAt: minutes(5) }]);
        await stores.outbox.markDelivered(webhook.id, minutes(5.1));
        expect(await stores.outbox.countPending()).toBe(0);
        expect(await stores.outbox.claimDue(minutes(60), 10, 60_000, 'w1')).toEqual([]);
        // A late failure report for a delivered message must not resurrect it.
        await stores.outbox.markFailed(webhook.id, 'late timeout', minutes(61));
        expect(await stores.outbox.countPending()).toBe(0);
      });

      it('never hands one message to two concurrent claimers on different instances', async () => {
        const database = await fresh();
        const other = await open(database);
        for (let index = 0; index < 24; index += 1) await database.stores.referrals.createWithNotifications(newReferral(`webchat/race-${index}`), ['webhook'], t0);
        const seen: string[] = [];
        for (let round = 0; round < 4; round += 1) {
          const batches = await Promise.all([
            database.stores.outbox.claimDue(minutes(round * 2), 5, 60_000, 'a'),
            other.outbox.claimDue(minutes(round * 2), 5, 60_000, 'b'),
            database.stores.outbox.claimDue(minutes(round * 2), 5, 60_000, 'c'),
            other.outbox.claimDue(minutes(round * 2), 5, 60_000, 'd'),
          ]);
          const ids = batches.flat().map((message) => message.id);
          expect(new Set(ids).size).toBe(ids.length);
          seen.push(...ids);
          // Deliver what was claimed in odd rounds; the rest stays leased until it expires.
          if (round % 2 === 1) for (const id of ids) await database.stores.outbox.markDelivered(id, minutes(round * 2));
        }
        expect(seen.length).toBeGreaterThanOrEqual(24);
        expect(new Set(seen).size).toBe(24);
      });
    });

    describe('erasure and retention', () => {
      it('erases one conversation: referrals, their notifications and bot state, nothing else', async () => {
        const { stores } = await fresh();
        await stores.referrals.createWithNotifications(newReferral('webchat/erase-me'), ['webhook', 'email'], t0);
        await stores.referrals.createWithNotifications(newReferral('webchat/erase-me'), ['webhook'], minutes(1));
        const other = await stores.referrals.createWithNotifications(newReferral('webchat/erase-me-not'), ['webhook'], minutes(2));
        await stores.botState.write({
          'webchat/conversations/erase-me': { precheck: { age: 56 } },
          'webchat/conversations/erase-me/private': { phone },
          'webchat/conversations/erase-me-not': { keep: true },
        });

        expect(await stores.referrals.deleteByConversation('webchat/erase-me')).toBe(2);
        expect(await stores.botState.deleteKeysWithPrefix('webchat/conversations/erase-me/')).toBe(1);
        await stores.botState.delete(['webchat/conversations/erase-me']);

        expect((await stores.referrals.list({ limit: 10 })).items.map((item) => item.id)).toEqual([other.id]);
        expect(await stores.outbox.countPending()).toBe(1);
        expect(Object.keys(await stores.botState.read(['webchat/conversations/erase-me', 'webchat/conversations/erase-me/private', 'webchat/conversations/erase-me-not']))).toEqual([
          'webchat/conversations/erase-me-not',
        ]);
        expect(await stores.referrals.deleteByConversation('webchat/erase-me')).toBe(0);
      });

      it('purges chat state of conversations idle past the chat-state retention, and keeps recent ones', async () => {
        const { stores } = await fresh();
        const day = 24 * 60 * 60 * 1000;
        await stores.botState.write({ 'webchat/conversations/idle/': { dialogState: { phone: 'half-typed' } } });
        const written = Date.now();
        expect(await purgeIdleChatState(stores, new Date(written + 29 * day), 30)).toBe(0);
        expect(Object.keys(await stores.botState.read(['webchat/conversations/idle/']))).toHaveLength(1);
        expect(await purgeIdleChatState(stores, new Date(written + 31 * day), 30)).toBe(1);
        expect(await stores.botState.read(['webchat/conversations/idle/'])).toEqual({});
      });

      it('purges referrals and conversation logs past retention and audits it once', async () => {
        const { stores } = await fresh();
        const day = 24 * 60 * 60 * 1000;
        const now = new Date(t0.getTime() + 200 * day);
        const old = await stores.referrals.createWithNotifications(newReferral('webchat/old'), ['webhook'], new Date(now.getTime() - 181 * day));
        const recent = await stores.referrals.createWithNotifications(newReferral('webchat/recent'), ['webhook'], new Date(now.getTime() - 179 * day));
        await stores.conversationLogs.append('old-conv', { type: 'message', text: 'old' }, new Date(now.getTime() - 190 * day));
        await stores.conversationLogs.append('old-conv', { type: 'message', text: 'old too' }, new Date(now.getTime() - 185 * day));
        await stores.conversationLogs.append('live-conv', { type: 'message', text: 'old part' }, new Date(now.getTime() - 200 * day));
        await stores.conversationLogs.append('live-conv', { type: 'message', text: 'new part' }, new Date(now.getTime() - day));

        expect(await purgeExpiredData(stores, now, 180)).toEqual({ referrals: 1, conversationLogs: 3 });
        expect(await stores.referrals.get(old.id)).toBeUndefined();
        expect(await stores.referrals.get(recent.id)).toBeDefined();
        expect(await stores.outbox.countPending()).toBe(1);
        expect((await stores.conversationLogs.since('live-conv', 0)).activities).toEqual([{ type: 'message', text: 'new part' }]);
        // The live conversation keeps counting where it was.
        expect(await stores.conversationLogs.append('live-conv', { type: 'message' }, now)).toBe(3);

        const audit = await stores.audit.list(10);
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({ action: 'referral.purge', at: now });
        expect(JSON.parse(audit[0]?.detail ?? '{}')).toMatchObject({ referrals: 1, conversationLogs: 3, retentionDays: 180 });

        expect(await purgeExpiredData(stores, now, 180)).toEqual({ referrals: 0, conversationLogs: 0 });
        expect(await stores.audit.list(10)).toHaveLength(1);
      });
    });

    describe('key-value store', () => {
      it('sets, reads, expires and deletes values', async () => {
        const { stores } = await fresh();
        const now = new Date();
        const later = new Date(now.getTime() + 60_000);
        await stores.keyValue.set('wechat:token', 'abc', later);
        expect(await stores.keyValue.get('wechat:token', now)).toBe('abc');
        expect(await stores.keyValue.get('wechat:token', later)).toBeUndefined();
        await stores.keyValue.set('wechat:token', 'def', later);
        expect(await stores.keyValue.get('wechat:token', now)).toBe('def');
        await stores.keyValue.delete('wechat:token');
        expect(await stores.keyValue.get('wechat:token', now)).toBeUndefined();
        expect(await stores.keyValue.get('never-set', now)).toBeUndefined();
      });

      it('setIfAbsent: exactly one of ten concurrent callers on two instances wins; an expired key is free again', async () => {
        const database = await fresh();
        const other = await open(database);
        const expiresAt = new Date(Date.now() + 60_000);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? database.stores : other).keyValue.setIfAbsent('dedupe:msg-1', `caller-${index}`, expiresAt)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await database.stores.keyValue.get('dedupe:msg-1', new Date())).toBe(`caller-${results.indexOf(true)}`);

        await database.stores.keyValue.set('dedupe:msg-2', 'stale', new Date(Date.now() - 1000));
        expect(await database.stores.keyValue.setIfAbsent('dedupe:msg-2', 'fresh', expiresAt)).toBe(true);
        expect(await database.stores.keyValue.get('dedupe:msg-2', new Date())).toBe('fresh');
        expect(await other.keyValue.setIfAbsent('dedupe:msg-2', 'again', expiresAt)).toBe(false);
      });
    });

    describe('conversation log', () => {
      it('numbers appends per conversation and replays from a watermark', async () => {
        const { stores } = await fresh();
        expect(await stores.conversationLogs.append('c1', { type: 'message', text: 'one' }, t0)).toBe(1);
        expect(await stores.conversationLogs.append('c1', { type: 'message', text: 'two' }, t0)).toBe(2);
        expect(await stores.conversationLogs.append('c2', { type: 'message', text: 'other' }, t0)).toBe(1);
        expect(await stores.conversationLogs.append('c1', { type: 'message', text: 'three' }, t0)).toBe(3);
        expect(await stores.conversationLogs.since('c1', 1)).toEqual({ activities: [{ type: 'message', text: 'two' }, { type: 'message', text: 'three' }], watermark: 3 });
        expect(await stores.conversationLogs.since('c1', 3)).toEqual({ activities: [], watermark: 3 });
        expect(await stores.conversationLogs.since('unknown', 0)).toEqual({ activities: [], watermark: 0 });

        await stores.conversationLogs.deleteConversation('c1');
        expect(await stores.conversationLogs.since('c1', 0)).toEqual({ activities: [], watermark: 0 });
        expect((await stores.conversationLogs.since('c2', 0)).activities).toHaveLength(1);
      });

      it('gives concurrent appends distinct, gap-free numbers', async () => {
        const { stores } = await fresh();
        const numbers = await Promise.all(Array.from({ length: 20 }, (_, index) => stores.conversationLogs.append('busy', { type: 'message', index }, t0)));
        expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
        const replay = await stores.conversationLogs.since('busy', 0);
        expect(replay.watermark).toBe(20);
        expect(replay.activities).toHaveLength(20);
        // Each activity sits at the number its append returned.
        expect(replay.activities.map((activity) => numbers[(activity as { index: number }).index])).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      });
    });

    describe('audit log', () => {
      it('appends entries and lists them newest first', async () => {
        const { stores } = await fresh();
        await stores.audit.record({ actor: 'token:alice', action: 'referral.read', referralId: 'r1', at: minutes(1) });
        await stores.audit.record({ actor: 'token:bob', action: 'referral.update', referralId: 'r1', detail: 'status=contacted', at: minutes(2) });
        await stores.audit.record({ actor: 'token:alice', action: 'referral.list', at: minutes(3) });
        expect(await stores.audit.list(2)).toEqual([
          { actor: 'token:alice', action: 'referral.list', at: minutes(3) },
          { actor: 'token:bob', action: 'referral.update', referralId: 'r1', detail: 'status=contacted', at: minutes(2) },
        ]);
        expect(await stores.audit.list(10)).toHaveLength(3);
      });
    });

    describe('encryption at rest and restarts', () => {
      it('never stores contact details, bot state or activities in readable form', async () => {
        const database = await fresh();
        const { stores } = database;
        const referral = await stores.referrals.createWithNotifications(newReferral('webchat/secret'), ['webhook'], t0);
        await stores.referrals.update(referral.id, { note: `asked to call ${phone}` }, t0);
        await stores.botState.write({ 'webchat/conversations/secret': { handoff: { phone, email, name } } });
        await stores.conversationLogs.append('secret', { type: 'message', text: `my number is ${phone}` }, t0);

        const raw = await database.rawText();
        // The dump is real: plaintext columns are in it.
        expect(raw).toContain(referral.reference);
        expect(raw).toContain('webchat/conversations/secret');
        expect(raw).toContain('v1:');
        for (const secret of [phone, phone.slice(1), email, name, 'brain-metastases', 'morning']) expect(raw).not.toContain(secret);

        expect((await stores.referrals.get(referral.id))?.contact.phone).toBe(phone);
      });

      it('keeps everything across a restart and refuses a different key', async () => {
        const database = await fresh();
        const referral = await database.stores.referrals.createWithNotifications(newReferral('webchat/restart'), ['webhook'], t0);
        await database.stores.botState.write({ 'webchat/conversations/restart': { step: 'confirm', phone } });
        await database.stores.conversationLogs.append('restart', { type: 'message', text: 'hi' }, t0);
        await database.stores.close();
        await database.stores.close();

        const reopened = await open(database);
        expect(await reopened.ping()).toBe(true);
        expect(await reopened.referrals.get(referral.id)).toEqual(referral);
        expect((await reopened.botState.read(['webchat/conversations/restart']))['webchat/conversations/restart']).toMatchObject({ step: 'confirm', phone });
        expect(await reopened.outbox.countPending()).toBe(1);
        expect(await reopened.conversationLogs.append('restart', { type: 'message', text: 'again' }, t0)).toBe(2);

        await expect(database.open(undefined, { DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/does not match/);
        expect(await reopened.referrals.get(referral.id)).toEqual(referral);
      });
    });
  });
}
