import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, setAccountDisabled } from '../../src/console/console-accounts';
import { esc } from '../../src/console/console-pages';
import { createReferral } from '../../src/handoff/referral-service';
import { supportedLocales } from '../../src/i18n/locales';
import { readLocaleResources } from '../../src/i18n/translator';
import { createStores } from '../../src/storage/create-stores';
import type { Referral, Stores } from '../../src/storage/ports';
import { createCaptureLogger } from '../handoff/support/capture-logger';
import { forbiddenInLogs, ManualClock, newReferral, pii, tempDataDir, testConfig } from '../handoff/support/fixtures';
import { parseCsv } from '../handoff/support/parse-csv';
import { ConsoleClient, startConsoleServer } from './support/console-client';

const password = 'correct horse battery staple';
const capture = createCaptureLogger();
const resources = readLocaleResources(process.cwd());
const strings = (locale: (typeof supportedLocales)[number]) => resources[locale].console as Record<string, Record<string, string>>;
/** A console string as the page shows it (HTML-escaped); a missing key fails the test. */
function text(locale: (typeof supportedLocales)[number], key: string): string {
  const [group = '', name = ''] = key.split('.');
  const value = strings(locale)[group]?.[name];
  if (value === undefined) throw new Error(`no console string ${locale}:${key}`);
  return esc(value);
}

let data: ReturnType<typeof tempDataDir>;
let stores: Stores;
let clock: ManualClock;
let baseUrl: string;
let stop: () => Promise<void>;
const referrals: Referral[] = [];

beforeAll(async () => {
  data = tempDataDir();
  clock = new ManualClock();
  // http: the console is reached over plain HTTP here (Secure cookies are covered below with their own servers).
  const config = testConfig({ DATA_DIR: data.dir, PUBLIC_BASE_URL: 'http://127.0.0.1' });
  stores = await createStores(config, capture.logger);
  await addAccount(stores.console, clock, 'alice', password, 'Alice Coordinator');
  await addAccount(stores.console, clock, 'bob', password);
  const started = await startConsoleServer({ stores, config, logger: capture.logger, clock });
  baseUrl = started.baseUrl;
  stop = () => started.stop();
  const channels = ['webchat', 'wechat', 'msteams'];
  const locales = ['en', 'zh-Hans', 'zh-Hant'];
  const outcomes = ['may-fit', 'probably-not', 'cannot-tell'] as const;
  for (let index = 0; index < 6; index += 1) {
    clock.advance(24 * 60 * 60 * 1000);
    const base = newReferral({ channel: channels[index % 3] ?? 'webchat', locale: locales[index % 3] ?? 'en' }, index);
    const precheck = index === 5 ? undefined : { ...base.precheck!, outcome: outcomes[index % 3] ?? 'may-fit' };
    referrals.push(await createReferral({ stores, sinkNames: ['webhook'], clock, logger: capture.logger }, { ...base, ...(precheck ? { precheck } : { precheck: undefined }) }));
  }
});

afterAll(async () => {
  await stop();
  await stores.close();
  data.remove();
});

afterEach(() => {
  // No personal data of the people referred in any log line, whatever the test did.
  for (const value of forbiddenInLogs) expect(capture.text()).not.toContain(value);
});

async function signedIn(name = 'alice'): Promise<ConsoleClient> {
  const client = new ConsoleClient(baseUrl);
  const response = await client.signIn(name, password);
  expect(response.status).toBe(303);
  return client;
}

async function auditRows(referralId: string) {
  return stores.console.auditOf(referralId);
}

describe('sign-in', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    const client = new ConsoleClient(baseUrl);
    for (const path of ['/console', `/console/referrals/${referrals[0]!.id}`, '/console/export.csv', '/console/funnel']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe('/console/sign-in');
    }
    const page = await client.get('/console/sign-in');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<label for="password">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('starts a session with an httpOnly, SameSite=Strict cookie on the right password, and stores only its hash', async () => {
    const client = new ConsoleClient(baseUrl);
    const response = await client.signIn('Alice', password);
    expect(response.status).toBe(303);
    expect(response.location).toBe('/console');
    const cookie = response.setCookies.find((line) => line.startsWith('tg_console_session='));
    expect(cookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const id = client.cookies.get('tg_console_session') ?? '';
    expect(id).toMatch(/^[\w-]{43}$/);
    const list = await client.get('/console');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Signed in as Alice Coordinator');
    expect(await stores.console.getSession(id)).toBeUndefined();
  });

  it('refuses a wrong password, an unknown name and a disabled account alike', async () => {
    const client = new ConsoleClient(baseUrl);
    for (const [name, typed] of [
      ['bob', 'wrong password 123'],
      ['nobody', password],
    ]) {
      const response = await client.signIn(name ?? '', typed ?? '');
      expect(response.status).toBe(401);
      expect(response.body).toContain(text('en', 'signIn.invalid'));
      expect(client.cookies.has('tg_console_session')).toBe(false);
    }
    await addAccount(stores.console, clock, 'carol', password);
    await setAccountDisabled(stores.console, clock, 'carol', true);
    expect((await client.signIn('carol', password)).status).toBe(401);
    await stores.console.clearLoginFailures('bob');
  });

  it('locks a name for 15 minutes after 5 failures, whatever the password, then lets it in again', async () => {
    await addAccount(stores.console, clock, 'dave', password);
    const client = new ConsoleClient(baseUrl);
    for (let attempt = 1; attempt <= 4; attempt += 1) expect((await client.signIn('dave', `wrong-${attempt}-password`)).status).toBe(401);
    const fifth = await client.signIn('dave', 'wrong-5-password');
    expect(fifth.status).toBe(429);
    const rightButLocked = await client.signIn('dave', password);
    expect(rightButLocked.status).toBe(429);
    expect(rightButLocked.headers.get('retry-after')).toBe('900');
    expect(client.cookies.has('tg_console_session')).toBe(false);
    // The lock is in the database: any instance sees it.
    expect((await stores.console.getLoginFailures('dave')).lockedUntil?.getTime()).toBe(clock.now().getTime() + 15 * 60 * 1000);
    clock.advance(14 * 60 * 1000);
    expect((await client.signIn('dave', password)).status).toBe(429);
    clock.advance(60 * 1000 + 1);
    expect((await client.signIn('dave', password)).status).toBe(303);
    expect(await stores.console.getLoginFailures('dave')).toEqual({ failures: 0 });
  });

  it('limits sign-in attempts per client address, whatever the names tried', async () => {
    const config = testConfig({ DATA_DIR: data.dir, PUBLIC_BASE_URL: 'http://127.0.0.1' });
    const limited = await startConsoleServer({ stores, config, logger: capture.logger, clock, signInLimit: { limit: 3, windowMs: 15 * 60 * 1000 } });
    try {
      const client = new ConsoleClient(limited.baseUrl);
      for (const name of ['erin', 'frank', 'grace']) expect((await client.signIn(name, 'password spraying 1')).status).toBe(401);
      const refused = await client.signIn('alice', password);
      expect(refused.status).toBe(429);
      expect(refused.body).toContain(text('en', 'signIn.tooMany').split('{{')[0] ?? '');
      expect(client.cookies.has('tg_console_session')).toBe(false);
      clock.advance(15 * 60 * 1000);
      expect((await client.signIn('alice', password)).status).toBe(303);
    } finally {
      await limited.stop();
    }
  });

  it('ends a session after CONSOLE_IDLE_MINUTES (30) without use, and keeps a used one', async () => {
    const client = await signedIn();
    clock.advance(20 * 60 * 1000);
    expect((await client.get('/console')).status).toBe(200);
    clock.advance(20 * 60 * 1000);
    expect((await client.get('/console')).status).toBe(200);
    clock.advance(30 * 60 * 1000 + 1);
    const expired = await client.get('/console');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/console/sign-in?expired=1');
    expect((await client.get('/console/sign-in?expired=1')).body).toContain(text('en', 'signIn.expired'));
  });

  it('background polling does not keep an unattended console signed in', async () => {
    const client = await signedIn();
    for (let minute = 0; minute < 35; minute += 5) {
      clock.advance(5 * 60 * 1000);
      const poll = await client.get('/console/list-fragment');
      if (minute < 25) expect(poll.status).toBe(200);
    }
    expect((await client.get('/console/list-fragment')).status).toBe(401);
    expect((await client.get('/console')).status).toBe(303);
  });

  it('signs out: the cookie is cleared and the old session id no longer works', async () => {
    const client = await signedIn();
    const id = client.cookies.get('tg_console_session') ?? '';
    const response = await client.post('/console/sign-out', { _csrf: await client.csrfToken() });
    expect(response.status).toBe(303);
    expect(response.location).toBe('/console/sign-in?signedOut=1');
    expect(response.setCookies.some((line) => /^tg_console_session=;.*Max-Age=0/.test(line))).toBe(true);
    const replay = new ConsoleClient(baseUrl);
    replay.cookies.set('tg_console_session', id);
    expect((await replay.get('/console')).status).toBe(303);
  });
});

describe('Secure cookie behind TLS', () => {
  const cases: Array<[string, Record<string, string>, Record<string, string>, boolean]> = [
    ['PUBLIC_BASE_URL is https', { PUBLIC_BASE_URL: 'https://trialguide.example.org' }, {}, true],
    ['a trusted proxy says https', { PUBLIC_BASE_URL: 'http://127.0.0.1', TRUST_PROXY: 'true' }, { 'x-forwarded-proto': 'https' }, true],
    ['an untrusted X-Forwarded-Proto', { PUBLIC_BASE_URL: 'http://127.0.0.1' }, { 'x-forwarded-proto': 'https' }, false],
  ];
  it.each(cases)('%s', async (_name, env, headers, secure) => {
    const config = testConfig({ DATA_DIR: data.dir, ...env });
    const server = await startConsoleServer({ stores, config, logger: capture.logger, clock });
    try {
      const client = new ConsoleClient(server.baseUrl);
      const response = await client.post('/console/sign-in', { name: 'alice', password }, { ...headers, origin: env.PUBLIC_BASE_URL ?? '' });
      expect(response.status).toBe(303);
      const cookie = response.setCookies.find((line) => line.startsWith('tg_console_session=')) ?? '';
      expect(/; Secure/.test(cookie)).toBe(secure);
    } finally {
      await server.stop();
    }
  });
});

describe('changes need the CSRF token and a same-origin request', () => {
  it('refuses a status change, a reveal, an erase and a sign-out without the token: 403, nothing changed, nothing shown', async () => {
    const client = await signedIn();
    const target = referrals[1]!;
    const before = await auditRows(target.id);
    const attempts: Array<[string, Record<string, string>]> = [
      [`/console/referrals/${target.id}/status`, { status: 'enrolled', note: 'changed without a token' }],
      [`/console/referrals/${target.id}/reveal`, {}],
      [`/console/referrals/${target.id}/erase`, {}],
      ['/console/sign-out', {}],
    ];
    for (const [path, form] of attempts) {
      for (const csrf of [undefined, 'forged-token', '']) {
        const response = await client.post(path, csrf === undefined ? form : { ...form, _csrf: csrf });
        expect(response.status, `${path} with ${String(csrf)}`).toBe(403);
        expect(response.body).toContain(text('en', 'errors.forbidden'));
        expect(response.body).not.toContain(pii.phoneHk);
      }
    }
    const after = await stores.referrals.get(target.id);
    expect(after?.status).toBe('new');
    expect(after?.note).toBeUndefined();
    expect(await auditRows(target.id)).toEqual(before);
    expect((await client.get('/console')).status).toBe(200);
  });

  it('refuses the right token from another origin or a cross-site request', async () => {
    const client = await signedIn();
    const target = referrals[1]!;
    const token = await client.csrfToken();
    for (const headers of [{ origin: 'https://evil.example', 'sec-fetch-site': '' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }] as Array<Record<string, string>>) {
      const response = await client.post(`/console/referrals/${target.id}/status`, { _csrf: token, status: 'declined' }, headers);
      expect(response.status).toBe(403);
    }
    expect((await stores.referrals.get(target.id))?.status).toBe('new');
    // A token belongs to its session: bob's page token does not work in alice's session.
    const bob = await signedIn('bob');
    const bobToken = await bob.csrfToken();
    expect((await client.post(`/console/referrals/${target.id}/status`, { _csrf: bobToken, status: 'declined' })).status).toBe(403);
    expect((await stores.referrals.get(target.id))?.status).toBe('new');
  });

  it('takes a form whose Origin is "null" (the no-referrer policy) when Fetch Metadata says same-origin, and only then', async () => {
    const client = new ConsoleClient(baseUrl);
    expect((await client.post('/console/sign-in', { name: 'alice', password }, { origin: 'null', 'sec-fetch-site': '' })).status).toBe(403);
    expect((await client.post('/console/sign-in', { name: 'alice', password }, { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('refuses a sign-in posted from another site', async () => {
    const client = new ConsoleClient(baseUrl);
    const response = await client.post('/console/sign-in', { name: 'alice', password }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(response.status).toBe(403);
    expect(client.cookies.has('tg_console_session')).toBe(false);
  });
});

describe('a referral', () => {
  it('hides contact details until "show", which writes an audit row with who and when first', async () => {
    const client = await signedIn();
    const target = referrals[2]!;
    const page = await client.get(`/console/referrals/${target.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(target.reference);
    expect(page.body).not.toContain(pii.name);
    expect(page.body).not.toContain(target.contact.phone);
    expect(await auditRows(target.id)).toEqual([]);

    clock.advance(1000);
    const revealed = await client.post(`/console/referrals/${target.id}/reveal`, { _csrf: await client.csrfToken(`/console/referrals/${target.id}`) });
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.body).toContain(pii.name);
    expect(revealed.body).toContain(`href="tel:${target.contact.phone}"`);
    expect(revealed.body).toContain(`mailto:${target.contact.email ?? ''}`);
    expect(revealed.body).toContain(pii.bestTime);
    // Switching the language from here goes back to the referral's page, not to the POST's address.
    expect(revealed.body).toContain(`back=${encodeURIComponent(`/console/referrals/${target.id}`)}"`);
    expect(await auditRows(target.id)).toEqual([{ actor: 'local:alice', action: 'referral.read', detail: 'contact details shown (Alice Coordinator)', at: clock.now() }]);
    // The history on the page shows it too.
    expect((await client.get(`/console/referrals/${target.id}`)).body).toContain(text('en', 'audit.referral_read'));
  });

  it('shows the pre-check, the content version (— when absent), notifications and the first opening', async () => {
    const client = await signedIn('bob');
    const target = referrals[0]!;
    const body = (await client.get(`/console/referrals/${target.id}`)).body;
    expect(body).toContain(text('en', 'outcome.may-fit'));
    expect(body).toContain('brain-metastases');
    expect(body).toContain('<td>age</td><td>56</td>');
    expect(body).toMatch(new RegExp(`${strings('en').detail!.contentVersion}</th><td>(—|[0-9a-f]{6,})</td>`));
    expect(body).toContain('<td>webhook</td><td>Waiting to be sent</td>');
    expect(body).toContain('by local:bob');
    // Another coordinator opening it later does not change who opened it first.
    const alice = await signedIn('alice');
    expect((await alice.get(`/console/referrals/${target.id}`)).body).toContain('by local:bob');
  });

  it('sets status and note, and writes the change (not the note text) to the audit log', async () => {
    const client = await signedIn();
    const target = referrals[3]!;
    const token = await client.csrfToken(`/console/referrals/${target.id}`);
    const response = await client.post(`/console/referrals/${target.id}/status`, { _csrf: token, status: 'contacted', note: 'Called, will call back Monday' });
    expect(response.status).toBe(303);
    expect(response.location).toBe(`/console/referrals/${target.id}?saved=1`);
    const stored = await stores.referrals.get(target.id);
    expect(stored?.status).toBe('contacted');
    expect(stored?.note).toBe('Called, will call back Monday');
    const rows = await auditRows(target.id);
    expect(rows.at(-1)).toMatchObject({ actor: 'local:alice', action: 'referral.update', detail: 'status=contacted; note changed' });
    expect(JSON.stringify(rows)).not.toContain('Monday');
    const page = await client.get(response.location ?? '');
    expect(page.body).toContain(text('en', 'detail.saved'));
    expect(page.body).toContain('Called, will call back Monday</textarea>');

    const invalid = await client.post(`/console/referrals/${target.id}/status`, { _csrf: token, status: 'lost' });
    expect(invalid.status).toBe(400);
    expect((await stores.referrals.get(target.id))?.status).toBe('contacted');
  });

  it('erases after a confirm step', async () => {
    const extra = await createReferral({ stores, sinkNames: ['webhook'], clock, logger: capture.logger }, newReferral({}, 9));
    const client = await signedIn();
    const confirm = await client.get(`/console/referrals/${extra.id}/erase`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain(text('en', 'erase.warning'));
    expect(await stores.referrals.get(extra.id)).toBeDefined();
    const token = /name="_csrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const erased = await client.post(`/console/referrals/${extra.id}/erase`, { _csrf: token });
    expect(erased.status).toBe(303);
    expect(erased.location).toBe('/console?erased=1');
    expect(await stores.referrals.get(extra.id)).toBeUndefined();
    expect((await auditRows(extra.id)).at(-1)).toMatchObject({ actor: 'local:alice', action: 'referral.delete' });
    expect((await client.get(`/console/referrals/${extra.id}`)).status).toBe(404);
  });
});

describe('the list', () => {
  const referenceLinks = (body: string) => [...body.matchAll(/>(TG-[A-Z0-9]{5})<\/a><\/td>/g)].map((match) => match[1]);

  it('shows referrals newest first with counts per status and the unread marker', async () => {
    const client = await signedIn();
    const body = (await client.get('/console')).body;
    const shown = referenceLinks(body);
    expect(shown).toEqual([...referrals].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((referral) => referral.reference).filter((reference) => shown.includes(reference)));
    expect(shown).toHaveLength(referrals.length);
    const counts = await stores.console.countReferralsByStatus();
    for (const [status, count] of Object.entries(counts)) expect(body).toContain(`<span>${strings('en').status![status]}</span> <strong>${count}</strong>`);
    // referrals[4] has never been opened by anyone; referrals[0] has (test above).
    const row = (reference: string) => new RegExp(`<tr( class="unread")?>\\s*<td><a href="[^"]+">${reference}<`).exec(body)?.[1];
    expect(row(referrals[4]!.reference)).toBe(' class="unread"');
    expect(row(referrals[0]!.reference)).toBeUndefined();
  });

  it('filters by status, language, channel, pre-check outcome, date range and reference', async () => {
    expect.hasAssertions();
    const client = await signedIn();
    const day = (referral: Referral) => referral.createdAt.toISOString().slice(0, 10);
    const all = await Promise.all(referrals.map((referral) => stores.referrals.get(referral.id)));
    const live = all.filter((referral): referral is Referral => referral !== undefined);
    const cases: Array<[string, (referral: Referral) => boolean]> = [
      ['status=contacted', (referral) => referral.status === 'contacted'],
      ['locale=zh-Hant', (referral) => referral.locale === 'zh-Hant'],
      ['channel=wechat', (referral) => referral.channel === 'wechat'],
      ['outcome=probably-not', (referral) => referral.precheck?.outcome === 'probably-not'],
      ['outcome=not-done', (referral) => referral.precheck === undefined],
      [`from=${day(referrals[2]!)}&to=${day(referrals[3]!)}`, (referral) => day(referral) >= day(referrals[2]!) && day(referral) <= day(referrals[3]!)],
      [`reference=${referrals[4]!.reference.toLowerCase()}`, (referral) => referral.reference === referrals[4]!.reference],
      ['locale=en&channel=webchat', (referral) => referral.locale === 'en' && referral.channel === 'webchat'],
    ];
    for (const [query, keep] of cases) {
      const expected = live.filter(keep).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((referral) => referral.reference);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(referenceLinks((await client.get(`/console?${query}`)).body), query).toEqual(expected);
    }
    expect((await client.get('/console?reference=TG-ZZZZZ')).body).toContain(text('en', 'list.empty'));
  });

  it('answers the polling script with the current rendering; a new referral appears in it', async () => {
    const client = await signedIn();
    const before = JSON.parse((await client.get('/console/list-fragment')).body) as { html: string; newest: number };
    clock.advance(60_000);
    const arrived = await createReferral({ stores, sinkNames: [], clock, logger: capture.logger }, newReferral({}, 11));
    const after = JSON.parse((await client.get('/console/list-fragment')).body) as { html: string; newest: number; announcement: string; counts: string };
    const newCount = (await stores.console.countReferralsByStatus()).new ?? 0;
    expect(after.counts).toContain(`<span>${text('en', 'status.new')}</span> <strong>${newCount}</strong>`);
    expect(before.html).not.toContain(arrived.reference);
    expect(after.html).toContain(arrived.reference);
    expect(after.newest).toBe(arrived.createdAt.getTime());
    expect(after.newest).toBeGreaterThan(before.newest);
    expect(after.announcement).toMatch(/New referrals arrived/);
    expect((await new ConsoleClient(baseUrl).get('/console/list-fragment')).status).toBe(401);
  });

  it('exports the filtered referrals as CSV with contact details, and audits the export', async () => {
    const client = await signedIn();
    const response = await client.get('/console/export.csv?channel=wechat');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(response.body.replace(/^\uFEFF/, ''));
    const header = rows[0] ?? [];
    const references = rows.slice(1).map((row) => row[header.indexOf('reference')]);
    const expected = (await Promise.all(referrals.map((referral) => stores.referrals.get(referral.id)))).filter((referral) => referral?.channel === 'wechat');
    expect(references.sort()).toEqual(expected.map((referral) => referral?.reference).sort());
    expect(response.body).toContain(pii.phoneHk);
    const audit = await stores.audit.list(5);
    expect(audit.find((entry) => entry.action === 'referral.export')).toMatchObject({ actor: 'local:alice', detail: `rows=${expected.length} console channel=wechat` });
  });
});

describe('languages', () => {
  it('renders every page in en, zh-Hans and zh-Hant from its own strings, chosen with the switcher', async () => {
    expect.hasAssertions();
    const target = referrals[0]!;
    for (const locale of supportedLocales) {
      const t = strings(locale);
      const client = await signedIn();
      const switched = await client.get(`/console/language?lang=${locale}&back=${encodeURIComponent(`/console/referrals/${target.id}`)}`);
      expect(switched.status).toBe(303);
      expect(switched.location).toBe(`/console/referrals/${target.id}`);
      const pages = {
        list: (await client.get('/console')).body,
        detail: (await client.get(`/console/referrals/${target.id}`)).body,
        erase: (await client.get(`/console/referrals/${target.id}/erase`)).body,
        funnel: (await client.get('/console/funnel')).body,
      };
      expect(pages.list).toContain(`<html lang="${locale}">`);
      expect(pages.list).toContain(`<h1>${t.list!.title}</h1>`);
      expect(pages.list).toContain(text(locale, 'list.export'));
      expect(pages.list).toContain(text(locale, 'status.new'));
      expect(pages.detail).toContain(text(locale, 'detail.showContact'));
      expect(pages.detail).toContain(text(locale, 'detail.history'));
      expect(pages.erase).toContain(text(locale, 'erase.warning'));
      expect(pages.funnel).toContain(text(locale, 'nav.funnel'));
      for (const [name, body] of Object.entries(pages)) expect(body, `${locale} ${name}: an untranslated key`).not.toMatch(/>(list|detail|nav|status|erase|signIn|errors|outcome|audit)\.[\w.-]+</);
      const revealed = await client.post(`/console/referrals/${target.id}/reveal`, { _csrf: await client.csrfToken(`/console/referrals/${target.id}`) });
      expect(revealed.body).toContain(text(locale, 'detail.contactShown'));
      const anonymous = new ConsoleClient(baseUrl);
      anonymous.cookies.set('tg_console_lang', locale);
      expect((await anonymous.get('/console/sign-in')).body).toContain(text(locale, 'signIn.heading'));
    }
  });

  it('shows the preset best time and spoken language the bot stored in the coordinator\'s language; free text as typed', async () => {
    expect.hasAssertions();
    const base = newReferral({}, 12);
    const preset = await createReferral({ stores, sinkNames: [], clock, logger: capture.logger }, { ...base, contact: { ...base.contact, bestTime: 'evening', preferredLanguage: 'cantonese' } });
    for (const locale of supportedLocales) {
      const client = await signedIn();
      await client.get(`/console/language?lang=${locale}`);
      const revealed = await client.post(`/console/referrals/${preset.id}/reveal`, { _csrf: await client.csrfToken(`/console/referrals/${preset.id}`) });
      expect(revealed.body).toContain(`<td>${text(locale, 'bestTime.evening')}</td>`);
      expect(revealed.body).toContain(`<td>${text(locale, 'spokenLanguage.cantonese')}</td>`);
      // The history names the reveal once, without the stored English detail.
      expect(revealed.body).toContain(`<td>${text(locale, 'audit.referral_read')}</td>`);
    }
    const client = await signedIn();
    const freeText = await client.post(`/console/referrals/${referrals[2]!.id}/reveal`, { _csrf: await client.csrfToken() });
    expect(freeText.body).toContain(`<td>${pii.bestTime}</td>`);
  });

  it('picks the browser language before a choice, and never redirects away from the console', async () => {
    const client = new ConsoleClient(baseUrl);
    expect((await client.get('/console/sign-in', { 'accept-language': 'zh-TW,zh;q=0.8' })).body).toContain(text('zh-Hant', 'signIn.heading'));
    for (const back of ['https://evil.example/', '//evil.example/console', '/console/../..//evil', '/\\evil.example', '/consolex']) {
      const response = await client.get(`/console/language?lang=en&back=${encodeURIComponent(back)}`);
      expect(response.location, back).toBe('/console');
    }
  });
});
