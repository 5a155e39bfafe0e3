import type { Server } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferral } from '../../src/handoff/referral-service';
import { referralCsvColumns } from '../../src/handoff/referral-csv';
import { registerCoordinatorApi } from '../../src/http/coordinator-api';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createStores } from '../../src/storage/create-stores';
import type { Referral, Stores } from '../../src/storage/ports';
import { createCaptureLogger } from './support/capture-logger';
import { ManualClock, forbiddenInLogs, newReferral, pii, tempDataDir, testConfig } from './support/fixtures';
import type { LooseJson } from './support/loose-json';
import { parseCsv } from './support/parse-csv';

const aliceToken = 'alice-token-0123456789abcdefghij';
const bobToken = 'bob-token-0123456789abcdefghijklm';
const capture = createCaptureLogger();
const logger = capture.logger;
const clock = new ManualClock();

let data: ReturnType<typeof tempDataDir>;
let stores: Stores;
let server: Server;
let baseUrl: string;
const referrals: Referral[] = [];

beforeAll(async () => {
  data = tempDataDir();
  const config = testConfig({ DATA_DIR: data.dir, COORDINATOR_API_TOKENS: `alice:${aliceToken},bob:${bobToken}` });
  stores = await createStores(config, logger);
  server = createHttpServer({ config, logger });
  expect(registerCoordinatorApi(server, { stores, config, logger, clock })).toBe(true);
  baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  for (let index = 0; index < 7; index += 1) {
    clock.advance(60_000);
    referrals.push(await createReferral({ stores, sinkNames: ['webhook'], clock, logger }, newReferral({ channel: index % 2 === 0 ? 'webchat' : 'wechat' }, index)));
  }
});

afterAll(async () => {
  await close(server);
  await stores.close();
  data.remove();
});

function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const { token = aliceToken, headers, ...rest } = init;
  return fetch(`${baseUrl}${path}`, { ...rest, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string>) } });
}

const json = async (response: Response) => (await response.json()) as LooseJson;

describe('authentication', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/api/referrals'],
    ['GET', '/api/referrals.csv'],
    ['GET', '/api/referrals/some-id'],
    ['PATCH', '/api/referrals/some-id'],
    ['DELETE', '/api/referrals/some-id'],
  ];
  const badHeaders: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-right-token-0123456789' }],
    ['a token one character off', { Authorization: `Bearer ${aliceToken.slice(0, -1)}X` }],
    ['a token prefix', { Authorization: `Bearer ${aliceToken.slice(0, 10)}` }],
    ['Basic auth', { Authorization: `Basic ${Buffer.from(`alice:${aliceToken}`).toString('base64')}` }],
  ];

  it('answers 401 with the catalogue body on every route for missing or wrong credentials', async () => {
    expect.hasAssertions();
    for (const [method, path] of routes) {
      for (const [, headers] of badHeaders) {
        const response = await call(path, { method, token: null, headers });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await json(response)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      }
    }
  });

  it('is not registered at all without COORDINATOR_API_TOKENS', async () => {
    const config = testConfig({ DATA_DIR: data.dir });
    const bare = createHttpServer({ config, logger });
    expect(registerCoordinatorApi(bare, { stores, config, logger, clock })).toBe(false);
    const port = await listen(bare, 0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/referrals`, { headers: { Authorization: `Bearer ${aliceToken}` } });
      expect(response.status).toBe(404);
      expect((await json(response)).error.code).toBe('not_found');
    } finally {
      await close(bare);
    }
  });
});

describe('GET /api/referrals', () => {
  it('lists newest first without contact details', async () => {
    const response = await call('/api/referrals');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    const body = JSON.parse(text) as { items: Array<LooseJson>; nextCursor: string | null };
    expect(body.items.map((item) => item.reference)).toEqual([...referrals].reverse().map((referral) => referral.reference));
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).toMatchObject({ status: 'new', locale: 'zh-Hans', precheck: { outcome: 'may-fit' }, link: expect.stringMatching(/^https:\/\/trialguide\.example\.org\/api\/referrals\//) });
    for (const value of [pii.name, pii.phone, pii.phoneHk, pii.email, pii.emailOther, 'contact', 'conversation-']) expect(text).not.toContain(value);
  });

  it('filters by status and since, and pages with a cursor', async () => {
    await stores.referrals.update(referrals[1]!.id, { status: 'contacted' }, clock.now());
    await stores.referrals.update(referrals[4]!.id, { status: 'contacted' }, clock.now());
    const contacted = await json(await call('/api/referrals?status=contacted'));
    expect(contacted.items.map((item: { id: string }) => item.id)).toEqual([referrals[4]!.id, referrals[1]!.id]);

    const since = referrals[5]!.createdAt.toISOString();
    const recent = await json(await call(`/api/referrals?since=${encodeURIComponent(since)}`));
    expect(recent.items.map((item: { id: string }) => item.id)).toEqual([referrals[6]!.id, referrals[5]!.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await json(await call(`/api/referrals?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...referrals].reverse().map((referral) => referral.id));
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['status=maybe', 'status'],
    ['since=yesterday', 'since'],
    ['cursor=not-a-cursor', 'cursor'],
    ['stauts=new', 'stauts'],
  ])('answers 400 naming the field for ?%s', async (query, field) => {
    const response = await call(`/api/referrals?${query}`);
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain(field);
  });
});

describe('GET /api/referrals/:id', () => {
  it('returns the decrypted contact details and audits the read with the token name', async () => {
    const target = referrals[2]!;
    const response = await call(`/api/referrals/${target.id}`, { token: bobToken });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.contact).toEqual(target.contact);
    expect(body.reference).toBe(target.reference);
    expect(body.precheck.answers).toEqual({ age: '56', diagnosis: 'yes' });
    expect(body.conversationKey).toBeUndefined();
    const [entry] = await stores.audit.list(1);
    expect(entry).toMatchObject({ actor: 'bob', action: 'referral.read', referralId: target.id });
    expect(entry!.at.getTime()).toBe(clock.now().getTime());
  });

  it('answers 404 for an unknown or malformed id, without an audit row', async () => {
    const before = (await stores.audit.list(1000)).length;
    for (const id of ['00000000-0000-4000-8000-000000000000', '..%2F..%2Fetc', 'x'.repeat(200)]) {
      const response = await call(`/api/referrals/${id}`);
      expect(response.status).toBe(404);
      expect((await json(response)).error.code).toBe('not_found');
    }
    expect((await stores.audit.list(1000)).length).toBe(before);
  });
});

describe('PATCH /api/referrals/:id', () => {
  const patch = (id: string, body: string, contentType = 'application/json') => call(`/api/referrals/${id}`, { method: 'PATCH', body, headers: { 'Content-Type': contentType } });

  it('changes status and note and audits who did it, without the note text', async () => {
    const target = referrals[3]!;
    clock.advance(1_000);
    const response = await patch(target.id, JSON.stringify({ status: 'screening', note: 'Called back; visit on Friday' }));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ status: 'screening', note: 'Called back; visit on Friday', updatedAt: clock.now().toISOString() });
    expect(body.contact).toBeUndefined();
    expect((await stores.referrals.get(target.id))?.status).toBe('screening');
    const [entry] = await stores.audit.list(1);
    expect(entry).toMatchObject({ actor: 'alice', action: 'referral.update', referralId: target.id, detail: 'status=screening; note changed' });
    expect(JSON.stringify(entry)).not.toContain('Friday');
  });

  it.each([
    ['an unknown status', JSON.stringify({ status: 'eligible' }), 'status'],
    ['an unknown field', JSON.stringify({ status: 'contacted', colour: 'red' }), 'colour'],
    ['a numeric note', JSON.stringify({ note: 42 }), 'note'],
    ['a note over 2000 characters', JSON.stringify({ note: 'x'.repeat(2001) }), 'note'],
    ['an empty object', JSON.stringify({}), 'status, note'],
    ['an array', JSON.stringify(['contacted']), 'JSON object'],
  ])('answers 400 naming the problem for %s', async (_label, body, field) => {
    const response = await patch(referrals[0]!.id, body);
    expect(response.status).toBe(400);
    const error = (await json(response)).error;
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
  });

  it('answers 400 for a body that is not JSON and 404 for an unknown id', async () => {
    expect((await patch(referrals[0]!.id, 'status=contacted', 'text/plain')).status).toBe(400);
    expect((await patch(referrals[0]!.id, '{"status":', 'application/json')).status).toBe(400);
    expect((await patch('00000000-0000-4000-8000-000000000000', JSON.stringify({ status: 'contacted' }))).status).toBe(404);
  });
});

describe('GET /api/referrals.csv', () => {
  /** Reads bytes: fetch's text() would silently drop the BOM this test wants to see. */
  async function csvRows(response: Response): Promise<string[][]> {
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    return parseCsv(bytes.subarray(3).toString('utf8'));
  }

  it('exports quoted CSV with contact details, guards formula cells, and audits the export', async () => {
    clock.advance(60_000);
    const tricky = await createReferral(
      { stores, sinkNames: [], clock, logger },
      newReferral({ conversationKey: 'webchat/tricky', contact: { name: '=HYPERLINK("http://evil.example","click")', phone: pii.phone, bestTime: 'mornings, "early"\nplease', preferredLanguage: 'zh-Hant', relationship: 'self' } }),
    );
    await stores.referrals.update(tricky.id, { note: '@SUM(A1:A9)' }, clock.now());

    const response = await call('/api/referrals.csv', { token: bobToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="referrals-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = await csvRows(response);
    expect(rows[0]).toEqual([...referralCsvColumns]);
    expect(rows).toHaveLength(1 + referrals.length + 1);
    const column = (name: (typeof referralCsvColumns)[number]) => referralCsvColumns.indexOf(name);
    const row = rows.find((cells) => cells[column('reference')] === tricky.reference)!;
    expect(row[column('name')]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(row[column('phone')]).toBe(`'${pii.phone}`);
    expect(row[column('best_time')]).toBe('mornings, "early"\nplease');
    expect(row[column('note')]).toBe(`'@SUM(A1:A9)`);
    expect(row[column('email')]).toBe('');
    for (const cells of rows) expect(cells).toHaveLength(referralCsvColumns.length);

    const [entry] = await stores.audit.list(1);
    expect(entry).toMatchObject({ actor: 'bob', action: 'referral.export', detail: `rows=${referrals.length + 1}` });
  });

  it('filters the export by status and rejects unknown parameters', async () => {
    const rows = await csvRows(await call('/api/referrals.csv?status=contacted'));
    expect(rows.slice(1).map((cells) => cells[0])).toEqual([referrals[4]!.reference, referrals[1]!.reference]);
    const bad = await call('/api/referrals.csv?limit=5');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain('limit');
  });
});

describe('DELETE /api/referrals/:id', () => {
  it('deletes the referral and its pending notifications, audits it, then answers 404', async () => {
    const target = referrals[6]!;
    const pendingBefore = await stores.outbox.countPending();
    const response = await call(`/api/referrals/${target.id}`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await stores.outbox.countPending()).toBe(pendingBefore - 1);
    expect((await call(`/api/referrals/${target.id}`)).status).toBe(404);
    expect((await call(`/api/referrals/${target.id}`, { method: 'DELETE' })).status).toBe(404);
    const entries = await stores.audit.list(5);
    expect(entries.find((entry) => entry.action === 'referral.delete')).toMatchObject({ actor: 'alice', referralId: target.id });
  });
});

// Declared last, so it runs after every request above.
it('logged none of the phone numbers, emails or names used', () => {
  expect.hasAssertions();
  expect(capture.lines.length).toBeGreaterThan(3);
  for (const value of forbiddenInLogs) expect(capture.text()).not.toContain(value);
});
