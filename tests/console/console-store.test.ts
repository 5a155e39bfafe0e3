import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Referral, Stores } from '../../src/storage/ports';
import { newReferral } from '../handoff/support/fixtures';
import { connectWithSchema, dropSchema, postgresServerUrl } from '../support/postgres-schema';

/**
 * The console's store (stores.console) on both backends: accounts, lockout counters, sessions, first
 * openings and the console's read-only views of referrals, outbox and audit rows. Each case opens TWO
 * `Stores` on one database: what one instance writes, the other must see (a lockout holds across instances).
 */
const silent = createLogger('silent');
const runId = `${process.pid}_${Date.now().toString(36)}`;
const dirs: string[] = [];
const t0 = new Date('2030-03-01T08:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  kind: 'sqlite' | 'postgres';
  /** Two instances on one fresh database, and how to clean up. */
  open(): Promise<{ first: Stores; second: Stores; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    kind: 'sqlite',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-console-'));
      dirs.push(dir);
      const config = loadConfig({ DATA_DIR: dir });
      const first = await createStores(config, silent);
      const second = await createStores(config, silent);
      return { first, second, cleanup: async () => { await second.close(); await first.close(); } };
    },
  },
  {
    kind: 'postgres',
    async open() {
      const schema = `console_store_${runId}_${dirs.length}`;
      const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-console-pg-'));
      dirs.push(dir);
      const admin = await connectWithSchema(schema);
      const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: postgresServerUrl, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      const first = await createStores(config, silent, { schema });
      const second = await createStores(config, silent, { schema });
      return {
        first,
        second,
        cleanup: async () => {
          await second.close();
          await first.close();
          await dropSchema(admin, schema);
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`console store (${backend.kind})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    const open = async () => {
      const opened = await backend.open();
      cleanups.push(() => opened.cleanup());
      return opened;
    };

    it('creates, lists, disables and re-hashes accounts; a name exists once', async () => {
      const { first, second } = await open();
      expect(await first.console.countAccounts()).toBe(0);
      expect(await first.console.createAccount({ name: 'alice', displayName: 'Alice', passwordHash: 'scrypt$1' }, at(0))).toBe(true);
      expect(await second.console.createAccount({ name: 'alice', displayName: 'Other', passwordHash: 'scrypt$2' }, at(1))).toBe(false);
      expect(await second.console.createAccount({ name: 'bob', displayName: 'Bob', passwordHash: 'scrypt$3' }, at(2))).toBe(true);
      expect(await second.console.getAccount('alice')).toEqual({ name: 'alice', displayName: 'Alice', passwordHash: 'scrypt$1', disabled: false, createdAt: at(0), updatedAt: at(0) });
      expect((await first.console.listAccounts()).map((account) => account.name)).toEqual(['alice', 'bob']);
      expect(await first.console.setAccountDisabled('bob', true, at(3))).toBe(true);
      expect(await first.console.setPasswordHash('alice', 'scrypt$new', at(4))).toBe(true);
      expect(await second.console.getAccount('bob')).toMatchObject({ disabled: true, updatedAt: at(3) });
      expect(await second.console.getAccount('alice')).toMatchObject({ passwordHash: 'scrypt$new', updatedAt: at(4) });
      expect(await first.console.setAccountDisabled('nobody', true, at(5))).toBe(false);
      expect(await first.console.setPasswordHash('nobody', 'x', at(5))).toBe(false);
      expect(await first.console.getAccount('nobody')).toBeUndefined();
      expect(await second.console.countAccounts()).toBe(2);
    });

    it('counts sign-in failures across instances and locks from the fifth on; clearing resets', async () => {
      const { first, second } = await open();
      const lockMs = 15 * 60_000;
      expect(await first.console.getLoginFailures('alice')).toEqual({ failures: 0 });
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const store = attempt % 2 === 0 ? first : second;
        expect(await store.console.recordLoginFailure('alice', at(attempt), 5, lockMs)).toEqual({ failures: attempt });
      }
      expect(await first.console.recordLoginFailure('alice', at(5), 5, lockMs)).toEqual({ failures: 5, lockedUntil: new Date(at(5).getTime() + lockMs) });
      expect(await second.console.getLoginFailures('alice')).toEqual({ failures: 5, lockedUntil: new Date(at(5).getTime() + lockMs) });
      expect(await second.console.getLoginFailures('bob')).toEqual({ failures: 0 });
      // Concurrent failures lose no count (the increment happens in the database).
      await Promise.all([first, second, first, second].map((store, index) => store.console.recordLoginFailure('carol', at(index), 5, lockMs)));
      expect((await first.console.getLoginFailures('carol')).failures).toBe(4);
      await second.console.clearLoginFailures('alice');
      expect(await first.console.getLoginFailures('alice')).toEqual({ failures: 0 });
    });

    it('keeps sessions by id hash; touch, delete, delete all of one identity, purge idle ones', async () => {
      const { first, second } = await open();
      const session = (idHash: string, subject: string, lastSeen: number) => ({ idHash, kind: 'local' as const, subject, displayName: subject.toUpperCase(), createdAt: at(0), lastSeenAt: at(lastSeen) });
      await first.console.createSession(session('h1', 'alice', 0));
      await first.console.createSession(session('h2', 'alice', 10));
      await first.console.createSession({ ...session('h3', 'alice', 20), kind: 'oidc' });
      await first.console.createSession(session('h4', 'bob', 30));
      expect(await second.console.getSession('h1')).toEqual(session('h1', 'alice', 0));
      await second.console.touchSession('h1', at(40));
      expect((await first.console.getSession('h1'))?.lastSeenAt).toEqual(at(40));
      expect(await first.console.purgeSessionsIdleSince(at(15))).toBe(1);
      expect(await first.console.getSession('h2')).toBeUndefined();
      expect(await second.console.deleteSessionsOf('local', 'alice')).toBe(1);
      expect(await second.console.getSession('h1')).toBeUndefined();
      expect((await second.console.getSession('h3'))?.kind).toBe('oidc');
      await first.console.deleteSession('h4');
      expect(await second.console.getSession('h4')).toBeUndefined();
    });

    it('records the first opening only, and the console views of referrals, notifications and audit rows', async () => {
      const { first, second } = await open();
      const a = await first.referrals.createWithNotifications(newReferral({ channel: 'wechat' }, 1), ['webhook', 'email'], at(0));
      const b = await first.referrals.createWithNotifications(newReferral({ channel: 'webchat' }, 2), [], at(5));
      expect(await second.console.referralsOpened([a.id, b.id])).toEqual(new Map());
      await second.console.markReferralOpened(a.id, 'local:alice', at(6));
      await first.console.markReferralOpened(a.id, 'local:bob', at(7));
      expect(await first.console.referralsOpened([a.id, b.id])).toEqual(new Map([[a.id, { at: at(6), by: 'local:alice' }]]));
      expect(await first.console.referralsOpened([])).toEqual(new Map());

      await first.referrals.update(b.id, { status: 'contacted' }, at(8));
      expect(await second.console.countReferralsByStatus()).toEqual({ new: 1, contacted: 1 });
      expect(await second.console.referralChannels()).toEqual(['webchat', 'wechat']);
      expect(await second.console.referralWatermark()).toEqual({ count: 2, newestAt: at(5) });

      const notifications = await second.console.notificationsOf(a.id);
      expect(notifications.map((delivery) => [delivery.sink, delivery.state, delivery.attempts])).toEqual([
        ['email', 'pending', 0],
        ['webhook', 'pending', 0],
      ]);
      const [claimed] = await first.outbox.claimDue(at(9), 1, 60_000, 'worker');
      await first.outbox.markDelivered(claimed?.id ?? '', at(10));
      expect((await second.console.notificationsOf(a.id)).find((delivery) => delivery.state === 'delivered')).toMatchObject({ attempts: 1, deliveredAt: at(10) });

      await first.audit.record({ actor: 'local:alice', action: 'referral.read', referralId: a.id, detail: 'contact details shown', at: at(11) });
      await first.audit.record({ actor: 'local:alice', action: 'referral.update', referralId: b.id, detail: 'status=contacted', at: at(12) });
      await first.audit.record({ actor: 'local:bob', action: 'referral.update', referralId: a.id, at: at(13) });
      expect(await second.console.auditOf(a.id)).toEqual([
        { actor: 'local:alice', action: 'referral.read', detail: 'contact details shown', at: at(11) },
        { actor: 'local:bob', action: 'referral.update', at: at(13) },
      ]);
      // Erasing the referral takes its first-opening record along (it lives on the row).
      await first.referrals.delete(a.id);
      expect(await second.console.referralsOpened([a.id])).toEqual(new Map());
      expect(await second.console.notificationsOf(a.id)).toEqual([]);
    });

    it('filters the referral list by locale, channel, date range, reference and pre-check outcome, with pages', async () => {
      expect.hasAssertions();
      const { first, second } = await open();
      const outcomes = ['may-fit', 'probably-not', 'cannot-tell'] as const;
      const made: Referral[] = [];
      for (let index = 0; index < 9; index += 1) {
        const base = newReferral({ channel: index % 2 === 0 ? 'webchat' : 'wechat', locale: index % 3 === 0 ? 'en' : 'zh-Hant' }, index);
        const input = index === 8 ? { ...base, precheck: undefined } : { ...base, precheck: { ...base.precheck!, outcome: outcomes[index % 3] ?? 'may-fit' } };
        made.push(await first.referrals.createWithNotifications(input, [], at(index * 60)));
      }
      const newestFirst = [...made].reverse();
      const references = (page: { items: Array<{ reference: string }> }) => page.items.map((item) => item.reference);
      const cases: Array<[string, Parameters<Stores['referrals']['list']>[0], (index: number) => boolean]> = [
        ['locale', { locale: 'en', limit: 50 }, (index) => index % 3 === 0],
        ['channel', { channel: 'wechat', limit: 50 }, (index) => index % 2 === 1],
        ['date range', { since: at(120), until: at(300), limit: 50 }, (index) => index * 60 >= 120 && index * 60 < 300],
        ['outcome', { precheckOutcome: 'probably-not', limit: 50 }, (index) => index !== 8 && index % 3 === 1],
        ['no pre-check', { precheckOutcome: 'not-done', limit: 50 }, (index) => index === 8],
        ['outcome and channel', { precheckOutcome: 'may-fit', channel: 'webchat', limit: 50 }, (index) => index !== 8 && index % 3 === 0 && index % 2 === 0],
      ];
      for (const [name, query, keep] of cases) {
        const expected = newestFirst.filter((referral) => keep(made.indexOf(referral))).map((referral) => referral.reference);
        expect(references(await second.referrals.list(query)), name).toEqual(expected);
      }
      expect(references(await second.referrals.list({ reference: made[4]!.reference.toLowerCase(), limit: 50 }))).toEqual([made[4]!.reference]);
      expect(references(await second.referrals.list({ reference: 'not a reference', limit: 50 }))).toEqual([]);

      // Pages of an outcome filter continue where the last one stopped, and end.
      const mayFit = newestFirst.filter((referral) => referral.precheck?.outcome === 'may-fit').map((referral) => referral.reference);
      const page1 = await second.referrals.list({ precheckOutcome: 'may-fit', limit: 2 });
      expect(references(page1)).toEqual(mayFit.slice(0, 2));
      const page2 = await second.referrals.list({ precheckOutcome: 'may-fit', limit: 2, ...(page1.nextCursor ? { cursor: page1.nextCursor } : {}) });
      expect(references(page2)).toEqual(mayFit.slice(2, 4));
    });
  });
}
