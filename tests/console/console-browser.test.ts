import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';
import { runCoordinatorCli } from '../support/processes';

/**
 * The coordinators' console in Debian's Chromium on a tablet-sized screen, against the real app: an account
 * made with the CLI, sign-in, a referral made by a chat over Direct Line appearing in the open list without a
 * reload, contact details shown (audited), status set to contacted, CSV export, axe-core, CSP. The steps share
 * one page and run in order; screenshots go to test-artifacts/console/.
 */
const chromiumPath = '/usr/bin/chromium';
const artifacts = path.join(projectRoot, 'test-artifacts', 'console');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const translator = createTranslator(projectRoot);
const en = translator.getFixedT('en');
const consoleEn = translator.getFixedT('en', 'console');
const password = 'ward-tablet-password-2026';
const patient = { name: 'Chen Mei', phone: '+8613812345678', email: 'chen.mei@example.com' };

let app: App;
let base: string;
let browser: Browser;
let page: Page;
let dataDir: string;
let reference = '';
let referralId = '';
const cspViolations: string[] = [];
const pageErrors: string[] = [];

async function screenshot(name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** axe-core run in the page (through the DevTools protocol, so the page's CSP stays as strict as in production). */
async function seriousAxeViolations(name: string): Promise<Array<{ id: string; impact: string | null; targets: string[] }>> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<Array<{ id: string; impact: string | null; targets: string[] }>>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) =>
      result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) })))`);
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(path.join(artifacts, `${name}-axe.json`), `${JSON.stringify(violations, null, 2)}\n`);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * A person chatting over Direct Line (the web page's protocol) until the hand-off confirms: each prompt the bot
 * shows is answered from this table, in whatever order the dialogs ask. Returns the reference the bot gave.
 */
async function chatUntilReferral(): Promise<string> {
  const tokenResponse = await fetch(`${base}/api/directline/token`, { method: 'POST' });
  const { token } = (await tokenResponse.json()) as { token: string };
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const started = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: auth, body: JSON.stringify({ locale: 'en-US' }) });
  const { conversationId } = (await started.json()) as { conversationId: string };
  const prefix = (text: string) => text.split('{{')[0]?.split('\n')[0]?.trim() ?? text;
  const answers: Array<[string, string]> = [
    [prefix(en('handoff:review.question')), en('handoff:review.send')],
    [prefix(en('handoff:ask.precheck')), en('handoff:choice.yes')],
    [prefix(en('handoff:ask.language')), en('handoff:language.english')],
    [prefix(en('handoff:ask.bestTime')), en('handoff:bestTime.afternoon')],
    [prefix(en('handoff:ask.email')), patient.email],
    [prefix(en('handoff:ask.phone')), patient.phone],
    [prefix(en('handoff:ask.name')), patient.name],
    // Nobody said who is asking: the hand-off asks after consent.
    [prefix(en('handoff:ask.relationship')), en('common:role.patient')],
    [prefix(en('handoff:consent.question')), en('handoff:choice.yes')],
    [prefix(en('common:menu.prompt')), en('common:menu.handoff')],
  ];
  const thanks = prefix(en('handoff:confirmed.thanks', { name: patient.name, reference: '{{' }));
  let watermark = '';
  for (let turn = 0; turn < 20; turn += 1) {
    // Wait until the bot has said something new and then stayed quiet for a moment (a turn may send several messages).
    const texts: string[] = [];
    let lastArrival = 0;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${base}/v3/directline/conversations/${conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`, { headers: auth });
      const batch = (await response.json()) as { activities: Array<{ type: string; text?: string; from?: { role?: string } }>; watermark: string };
      watermark = batch.watermark;
      const botTexts = batch.activities.filter((activity) => activity.type === 'message' && activity.from?.role === 'bot').map((activity) => activity.text ?? '');
      if (botTexts.length > 0) {
        texts.push(...botTexts);
        lastArrival = Date.now();
      }
      if (texts.length > 0 && Date.now() - lastArrival > 700) break;
      if (Date.now() > deadline) throw new Error(`the bot did not answer (turn ${turn}); it last said: ${texts.slice(-2).join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const said = texts.join('\n');
    const confirmed = said.includes(thanks) ? /TG-[2-9A-HJKMNP-Z]{5}/.exec(said)?.[0] : undefined;
    if (confirmed) return confirmed;
    const last = texts[texts.length - 1] ?? '';
    const answer = answers.find(([prompt]) => last.includes(prompt))?.[1];
    if (!answer) throw new Error(`no scripted answer for the bot's message: ${last}`);
    await fetch(`${base}/v3/directline/conversations/${conversationId}/activities`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ type: 'message', text: answer, locale: 'en-US', from: { id: 'person' } }),
    });
  }
  throw new Error('no referral after 20 turns');
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-console-browser-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', CONSOLE_POLL_SECONDS: '2' };
  const created = await runCoordinatorCli(['add', 'alice', '--display-name', 'Alice Wong'], env, `${password}\n`);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  expect(created.stdout).toContain('Account "alice" created');

  app = await buildApp(loadConfig(env), { logger: createLogger('silent') });
  const port = await app.start(0);
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  // A ward tablet in landscape.
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'en-GB', acceptDownloads: true });
  page = await context.newPage();
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the coordinators\' console in Chromium', { timeout: 60_000 }, () => {
  it('sends a visitor to the sign-in page, which passes axe-core', async () => {
    const response = await page.goto(`${base}/console`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect.poll(() => page.locator('h1').textContent()).toBe(consoleEn('signIn.heading'));
    await screenshot('01-sign-in');
    expect(await seriousAxeViolations('01-sign-in')).toEqual([]);
  });

  it('is keyboard usable: the skip link comes first, the form is reached by Tab', async () => {
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.className')).toBe('skip-link');
    let presses = 1;
    while (presses < 10 && (await page.evaluate<string | null>('document.activeElement && document.activeElement.id')) !== 'name') {
      await page.keyboard.press('Tab');
      presses += 1;
    }
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.id')).toBe('name');
  });

  it('signs in with the account made by the CLI (Enter in the password field submits)', async () => {
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await Promise.all([page.waitForURL(`${base}/console`), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').textContent()).toBe(consoleEn('list.title'));
    expect(await page.locator('.account').textContent()).toContain(consoleEn('nav.signedInAs', { name: 'Alice Wong' }));
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'tg_console_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
  });

  // ── OIDC sign-in step (helper D2): sign in through the loopback OIDC provider here. ──

  it('shows a referral made by a chat a moment later WITHOUT a reload, with the unread marker', async () => {
    await page.evaluate('window.__sameDocument = true');
    expect(await page.locator('.referrals tbody tr').count()).toBe(0);
    reference = await chatUntilReferral();
    const row = page.locator('.referrals tbody tr', { hasText: reference });
    await expect.poll(() => row.count(), { timeout: 15_000, message: `${reference} in the open list` }).toBe(1);
    // Still the same document: the script replaced the list, nothing navigated.
    expect(await page.evaluate<boolean>('window.__sameDocument === true')).toBe(true);
    expect(await row.locator('.badge').textContent()).toBe(consoleEn('list.unread'));
    expect(await page.locator('#live-status').textContent()).toBe(consoleEn('list.newArrived', { count: 1 }));
    expect(await page.locator('#status-counts li', { hasText: consoleEn('status.new') }).locator('strong').textContent()).toBe('1');
    await screenshot('02-list-new-referral');
    expect(await seriousAxeViolations('02-list')).toEqual([]);
  });

  it('opens the referral: contact details hidden until "Show contact details", which writes an audit row', async () => {
    await Promise.all([page.waitForURL(/\/console\/referrals\//), page.getByRole('link', { name: reference, exact: true }).click()]);
    referralId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await page.locator('h1').textContent()).toBe(consoleEn('detail.title', { reference }));
    expect(await page.content()).not.toContain(patient.phone);
    expect(await app.stores.console.auditOf(referralId)).toEqual([]);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: consoleEn('detail.showContact') }).click()]);
    await expect.poll(() => page.locator('.contact').count()).toBe(1);
    expect(await page.locator('.contact').textContent()).toContain(patient.name);
    expect(await page.locator(`a[href="tel:${patient.phone}"]`).count()).toBe(1);
    expect(await page.locator('.contact').textContent()).toContain(consoleEn('bestTime.afternoon'));
    expect(await page.locator('.contact').textContent()).toContain(consoleEn('spokenLanguage.english'));
    const audit = await app.stores.console.auditOf(referralId);
    expect(audit).toEqual([expect.objectContaining({ actor: 'local:alice', action: 'referral.read', detail: 'contact details shown (Alice Wong)' })]);
    await screenshot('03-referral-contact-shown');
    expect(await seriousAxeViolations('03-referral')).toEqual([]);
  });

  it('marks it contacted with a note', async () => {
    await page.locator('#status').selectOption('contacted');
    await page.locator('#note').fill('Called at 14:10, screening visit booked');
    await Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: consoleEn('detail.save'), exact: true }).click()]);
    expect(await page.locator('.message.info').first().textContent()).toBe(consoleEn('detail.saved'));
    const stored = await app.stores.referrals.get(referralId);
    expect(stored?.status).toBe('contacted');
    expect(stored?.note).toBe('Called at 14:10, screening visit booked');
    expect((await app.stores.console.auditOf(referralId)).at(-1)).toMatchObject({ actor: 'local:alice', action: 'referral.update', detail: 'status=contacted; note changed' });
    await screenshot('04-referral-contacted');
  });

  it('exports the list as CSV', async () => {
    await Promise.all([page.waitForURL(`${base}/console`), page.getByRole('link', { name: consoleEn('detail.back') }).first().click()]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: consoleEn('list.export') }).click()]);
    const file = path.join(artifacts, 'export.csv');
    mkdirSync(artifacts, { recursive: true });
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    rmSync(file);
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(reference);
    expect(lines[1]).toContain(',contacted,');
    expect(lines[1]).toContain(patient.name);
    expect((await app.stores.audit.list(1))[0]).toMatchObject({ actor: 'local:alice', action: 'referral.export', detail: 'rows=1 console' });
  });

  // ── Funnel step (helper D3): open /console/funnel here and check the funnel moved with this chat. ──
  it('shows the funnel moved by that chat: the chart and the table say the same numbers, axe clean', async () => {
    const funnelEn = translator.getFixedT('en', 'funnel');
    await app.funnel.flush();
    await Promise.all([page.waitForURL(`${base}/console/funnel`), page.getByRole('link', { name: consoleEn('nav.funnel') }).click()]);
    expect(await page.locator('h1').textContent()).toBe(funnelEn('title'));
    const chart = page.getByRole('img', { name: funnelEn('chart.title', { from: await page.locator('#funnel-from').inputValue(), to: await page.locator('#funnel-to').inputValue() }) });
    expect(await chart.count()).toBe(1);
    const expected: Record<string, string> = { 'conversation-started': '1', 'handoff-consented': '1', contacted: '1', enrolled: '0', 'precheck-started': '0' };
    for (const [stage, value] of Object.entries(expected)) {
      expect(await page.locator(`#funnel-table td[data-total="${stage}"]`).textContent(), stage).toBe(value);
      expect(await page.locator(`#funnel-chart g[data-stage="${stage}"] .bar-value`).textContent(), stage).toBe(value);
    }
    expect(await page.locator('#funnel-statuses tr[data-status="contacted"] td').textContent()).toBe('1');
    await screenshot('05-funnel');
    expect(await seriousAxeViolations('05-funnel')).toEqual([]);
    await Promise.all([page.waitForURL(`${base}/console`), page.getByRole('link', { name: consoleEn('nav.referrals'), exact: true }).click()]);
  });

  it('switches to 简体中文 and stays readable on a tablet in portrait', async () => {
    await Promise.all([page.waitForURL(`${base}/console`), page.getByRole('link', { name: '简体中文' }).click()]);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-Hans');
    expect(await page.locator('h1').textContent()).toBe(translator.getFixedT('zh-Hans', 'console')('list.title'));
    await page.setViewportSize({ width: 768, height: 1024 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
    await screenshot('05-list-zh-Hans-portrait');
    expect(await seriousAxeViolations('05-list-zh-Hans')).toEqual([]);
  });

  it('ran under the strict CSP with nothing blocked and no page error', async () => {
    expect(await page.evaluate<string[]>('window.cspViolations')).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
