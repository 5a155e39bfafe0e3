import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type Locator, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';

/**
 * The real app in Debian's Chromium (apt-get install chromium; never a downloaded browser), on a phone-sized
 * screen, in Simplified Chinese: greeting, a typed question, the pre-check by typing and by tapping, a hand-off,
 * and the referral seen through the coordinator API. The steps share one page and run in order.
 */
const chromiumPath = '/usr/bin/chromium';
const coordinatorToken = 'browser-test-coordinator-token-0123456789';
const screenshotPath = path.join(projectRoot, 'test-artifacts', 'web-chat.png');
const axeReportPath = path.join(projectRoot, 'test-artifacts', 'web-chat-axe.json');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const t = createTranslator(projectRoot).getFixedT('zh-Hans');
const replyTimeoutMs = 15_000;

let app: App;
let base: string;
let browser: Browser;
let page: Page;
let dataDir: string;
/** A hospital's own page on another origin, embedding the chat button with one script tag. */
let hospital: HttpServer;
let hospitalOrigin: string;
/** Anything the Content-Security-Policy blocked, and any uncaught error in the page. */
const blocked: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-browser-'));
  hospital = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="zh-CN"><head><title>医院</title></head><body><h1>医院首页</h1><script src="${base}/embed.js" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => hospital.listen(0, '127.0.0.1', resolve));
  hospitalOrigin = `http://127.0.0.1:${(hospital.address() as AddressInfo).port}`;
  const env = { DATA_DIR: dataDir, COORDINATOR_API_TOKENS: `test:${coordinatorToken}`, WEB_ALLOWED_ORIGINS: hospitalOrigin, LOG_LEVEL: 'silent' };
  app = await buildApp(loadConfig(env), { logger: createLogger('silent') });
  const port = await app.start(0);
  base = `http://127.0.0.1:${port}`;

  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  page = await context.newPage();
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber));`,
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise((resolve) => hospital?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

/** The bot's message bubbles that contain `text` (Web Chat also keeps hidden copies for screen readers: not counted). */
function botBubbles(text: string): Locator {
  return page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content', { hasText: text });
}

/** Does `act` and waits for one more bot message containing `reply` than there was before. */
async function expectReply(act: () => Promise<void>, reply: string): Promise<void> {
  const before = await botBubbles(reply).count();
  await act();
  await expect.poll(() => botBubbles(reply).count(), { timeout: replyTimeoutMs, message: `bot reply containing "${reply}"` }).toBeGreaterThan(before);
}

/** The focused element's id, or Web Chat's data-id. (Page code is passed as strings: the project's tsconfig has no DOM types.) */
async function focused(target: Page): Promise<string | null> {
  return target.evaluate<string | null>("document.activeElement && (document.activeElement.id || document.activeElement.getAttribute('data-id'))");
}

const sendBox = (): Locator => page.locator('[data-id="webchat-sendbox-input"]');

async function type(text: string): Promise<void> {
  await sendBox().fill(text);
  await sendBox().press('Enter');
}

/** A suggested-action button (Web Chat keeps a hidden copy in a live region for screen readers: not that one). */
function button(label: string): Locator {
  return page.getByRole('button', { name: label, exact: true }).and(page.locator('.webchat__suggested-actions__button'));
}

async function tap(label: string): Promise<void> {
  await button(label).click();
}

/** First line of an approved text: Web Chat renders Markdown, so later lines may be split into paragraphs. */
const firstLine = (text: string): string => text.split('\n')[0] ?? text;

describe('the hospital chat page in Chromium, in Simplified Chinese', { timeout: 30_000 }, () => {
  it('renders in Simplified Chinese from the browser language, with the hospital name, the emergency number in the header and the privacy notice', async () => {
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(response?.headers()['content-security-policy']).not.toContain('unsafe-eval');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-Hans');
    await expect.poll(() => page.locator('h1').textContent()).toBe(app.config.site.siteName['zh-Hans']);
    expect(await page.locator('#language-picker').inputValue()).toBe('zh-Hans');
    const emergency = page.locator('header .emergency');
    expect(await emergency.isVisible()).toBe(true);
    expect(await emergency.textContent()).toBe(t('channels:web.emergency', { emergencyNumber: app.config.site.emergencyNumber }));
    expect(await page.locator('header a[href^="tel:"]').getAttribute('href')).toBe(`tel:${app.config.site.emergencyNumber}`);
    expect(await page.locator('.privacy summary').textContent()).toBe(t('channels:web.privacySummary'));
    expect(await page.locator('.privacy p').textContent()).toBe(t('channels:web.privacy'));
  });

  it('greets first, in Simplified Chinese, then shows the menu without asking who is asking', async () => {
    await expect.poll(() => botBubbles(t('common:menu.prompt')).count(), { timeout: replyTimeoutMs }).toBe(1);
    expect(await botBubbles(t('common:welcome.greeting', { siteName: app.config.site.siteName['zh-Hans'] })).count()).toBe(1);
    expect(await button(t('common:menu.precheck')).isVisible()).toBe(true);
    expect(await botBubbles(t('common:role.prompt')).count()).toBe(0);
  });

  it('works with the keyboard alone: Tab reaches the language picker first, then the send box, where a typed question is answered', async () => {
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('language-picker');
    let presses = 1;
    while (presses < 20 && (await focused(page)) !== 'webchat-sendbox-input') {
      await page.keyboard.press('Tab');
      presses += 1;
    }
    expect(await focused(page)).toBe('webchat-sendbox-input');
    await expectReply(async () => {
      await page.keyboard.type('卡瑞利珠单抗是什么药？');
      await page.keyboard.press('Enter');
    }, firstLine(t('topics:camrelizumab.answer')));
  });

  it('back at the menu, the pre-check asks who is asking first', async () => {
    await expectReply(() => tap(t('common:nav.menu')), t('common:menu.prompt'));
    await expectReply(() => tap(t('common:menu.precheck')), t('common:role.prompt'));
    expect(await button(t('common:role.patient')).isVisible()).toBe(true);
  });

  it('runs the pre-check, answering by typing and by tapping buttons', async () => {
    const question = (id: string) => t(`precheck:questions.${id}.question`);
    await expectReply(() => tap(t('common:role.patient')), question('age'));
    await expectReply(() => type('56'), question('diagnosis'));
    await expectReply(() => tap(t('precheck:answer.yes')), question('recurrent-or-metastatic'));
    await expectReply(() => type('对的'), question('anti-pd1'));
    await expectReply(() => type('用过特瑞普利单抗'), question('anti-pd1-progressed'));
    await expectReply(() => tap(t('precheck:answer.yes')), question('daily-activity'));
    await expectReply(() => tap(t('precheck:answer.yes')), question('anti-vessel-medicine'));
    await expectReply(() => tap(t('precheck:answer.no')), question('bleeding'));
    await expectReply(() => type('没有'), question('blood-pressure'));
    await expectReply(() => tap(t('precheck:answer.no')), question('autoimmune'));
    await expectReply(() => tap(t('precheck:answer.no')), question('pregnancy'));
    await expectReply(() => tap(t('precheck:answer.unsure')), t('precheck:outcome.mayFit'));
    expect(await button(t('common:menu.handoff')).isVisible()).toBe(true);
  }, 60_000);

  let reference = '';
  it('hands off to the study team and shows the referral reference', async () => {
    await expectReply(() => tap(t('common:menu.handoff')), t('handoff:consent.question'));
    await expectReply(() => tap(t('handoff:choice.yes')), t('handoff:ask.name'));
    await expectReply(() => type('陈女士'), t('handoff:ask.phone'));
    await expectReply(() => type('13812345678'), t('handoff:ask.email'));
    await expectReply(() => type('跳过'), t('handoff:ask.bestTime'));
    await expectReply(() => tap(t('handoff:bestTime.afternoon')), t('handoff:ask.language'));
    await expectReply(() => tap(t('handoff:language.mandarin')), t('handoff:ask.precheck'));
    await expectReply(() => tap(t('handoff:choice.yes')), t('handoff:review.question'));
    const thanksStart = firstLine(t('handoff:confirmed.thanks', { name: '陈女士', reference: '\u0000' })).split('\u0000')[0] ?? '';
    await expectReply(() => tap(t('handoff:review.send')), thanksStart);
    const confirmation = (await botBubbles(thanksStart).last().textContent()) ?? '';
    reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0] ?? '';
    expect(reference, confirmation).not.toBe('');
  }, 60_000);

  it('the referral reaches the coordinator API, from the web channel, in Simplified Chinese, with the pre-check', async () => {
    const response = await fetch(`${base}/api/referrals`, { headers: { Authorization: `Bearer ${coordinatorToken}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { reference: string; channel: string; locale: string; precheck: { outcome: string } | null }[] };
    const referral = body.items.find((item) => item.reference === reference);
    expect(referral).toMatchObject({ channel: 'directline', locale: 'zh-Hans' });
    expect(referral?.precheck?.outcome).toBeTruthy();
  });

  it('has no serious or critical WCAG 2.1 A/AA violation (axe-core)', async () => {
    await page.evaluate(axeSource);
    const violations = await page.evaluate<{ id: string; impact: string | null; targets: string[] }[]>(`
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) =>
        result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) })))`);
    // Minor and moderate findings are kept for review beside the screenshot.
    mkdirSync(path.dirname(axeReportPath), { recursive: true });
    writeFileSync(axeReportPath, `${JSON.stringify(violations, null, 2)}\n`);
    const severe = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
    expect(severe).toEqual([]);
  });

  it('looks right on a phone: screenshot saved to test-artifacts/web-chat.png', async () => {
    mkdirSync(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath });
    const header = await page.locator('header.site-header').boundingBox();
    const send = await sendBox().boundingBox();
    // Header with the emergency number at the top, send box at the bottom, both on screen at once.
    expect(header?.y).toBe(0);
    expect((send?.y ?? 0) + (send?.height ?? 0)).toBeLessThanOrEqual(844);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  });

  it('switching to 繁體中文 mid-pre-check keeps the conversation: the bot asks the same question again in Traditional Chinese', async () => {
    const zhHant = createTranslator(projectRoot).getFixedT('zh-Hant');
    await expectReply(() => tap(t('common:menu.precheck')), t('precheck:questions.age.question'));
    await expectReply(() => type('56'), t('precheck:questions.diagnosis.question'));
    const bubblesBefore = await page.locator('.webchat__bubble:not(.webchat__bubble--from-user)').count();
    await page.locator('#language-picker').selectOption('zh-Hant');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-Hant');
    await expect.poll(() => page.locator('h1').textContent()).toBe(app.config.site.siteName['zh-Hant']);
    await expect.poll(() => botBubbles(zhHant('precheck:questions.diagnosis.question')).count(), { timeout: replyTimeoutMs }).toBe(1);
    expect(await botBubbles(zhHant('common:language.changed')).count()).toBe(1);
    // Nothing was lost: the earlier messages are still there, and the pre-check goes on from where it was.
    expect(await page.locator('.webchat__bubble:not(.webchat__bubble--from-user)').count()).toBeGreaterThan(bubblesBefore);
    expect(await botBubbles(t('precheck:questions.age.question')).count()).toBeGreaterThan(0);
    expect(await page.locator('#chat-status').isVisible()).toBe(false);
    await expectReply(() => tap(zhHant('precheck:answer.yes')), zhHant('precheck:questions.recurrent-or-metastatic.question'));
  });

  it('ran under the Content-Security-Policy without anything blocked and without page errors', async () => {
    const violations = await page.evaluate<string[]>('window.cspViolations');
    expect(violations).toEqual([]);
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

describe('a small phone (360 x 640): the chat keeps most of the screen', { timeout: 60_000 }, () => {
  it('the header, emergency line and folded privacy notice take at most a quarter of the screen; with the keyboard open only the emergency line stays', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const small = await context.newPage();
    // Headless Chromium shows no on-screen keyboard: this stands in for the browser's visualViewport, which
    // shrinks to the part of the screen above the keyboard and fires "resize".
    await small.addInitScript({
      content: `(() => {
        const fake = new EventTarget();
        let height = window.innerHeight;
        Object.defineProperty(fake, 'height', { get: () => height });
        Object.defineProperty(window, 'visualViewport', { value: fake, configurable: true });
        window.openKeyboard = () => { height = Math.round(window.innerHeight * 0.55); fake.dispatchEvent(new Event('resize')); };
        window.closeKeyboard = () => { height = window.innerHeight; fake.dispatchEvent(new Event('resize')); };
      })();`,
    });
    try {
      await small.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
      await expect.poll(() => small.locator('#privacy-notice').getAttribute('open'), { timeout: replyTimeoutMs }).toBeNull();
      const chatTop = await small.locator('#webchat').evaluate((element: { getBoundingClientRect(): { top: number } }) => element.getBoundingClientRect().top);
      expect(chatTop).toBeLessThanOrEqual(640 / 4);
      expect(await small.locator('header .emergency').isVisible()).toBe(true);
      // The notice opens with one tap and its text is all there.
      await small.locator('#privacy-notice summary').click();
      expect(await small.locator('#privacy-notice p').isVisible()).toBe(true);

      await small.evaluate('window.openKeyboard()');
      await expect.poll(() => small.locator('.brand-row').isVisible(), { timeout: replyTimeoutMs }).toBe(false);
      expect(await small.locator('#privacy-notice').isVisible()).toBe(false);
      expect(await small.locator('header .emergency').isVisible()).toBe(true);
      const emergencyHeight = await small.locator('header .emergency').evaluate((element: { getBoundingClientRect(): { height: number } }) => element.getBoundingClientRect().height);
      expect(emergencyHeight).toBeLessThanOrEqual(40);
      expect(await small.locator('header a[href^="tel:"]').isVisible()).toBe(true);
      await small.evaluate('window.closeKeyboard()');
      await expect.poll(() => small.locator('.brand-row').isVisible(), { timeout: replyTimeoutMs }).toBe(true);
      await small.screenshot({ path: path.join(projectRoot, 'test-artifacts', 'web-chat-small-phone.png') });
    } finally {
      await context.close();
    }
  });
});

describe('the chat button on a hospital page (GET /embed.js)', { timeout: 30_000 }, () => {
  it('one script tag adds a button in the page language; it opens the chat page in a panel the hospital origin may frame', async () => {
    const hospitalPage = await page.context().newPage();
    const refused: string[] = [];
    hospitalPage.on('console', (message) => {
      if (/Content Security Policy|frame-ancestors/i.test(message.text())) refused.push(message.text());
    });
    try {
      await hospitalPage.goto(`${hospitalOrigin}/`);
      const open = hospitalPage.getByRole('button', { name: t('channels:web.openChat'), exact: true });
      await open.click();
      expect(await open.getAttribute('aria-expanded')).toBe('true');
      const frame = hospitalPage.frameLocator(`iframe[title="${t('channels:web.chatLabel')}"]`);
      await frame.locator('.webchat__bubble__content', { hasText: t('common:menu.prompt') }).first().waitFor({ timeout: replyTimeoutMs });
      expect(await frame.locator('html').getAttribute('lang')).toBe('zh-Hans');
      expect(await frame.locator('header .emergency').isVisible()).toBe(true);

      await hospitalPage.getByRole('button', { name: t('channels:web.closeChat'), exact: true }).click();
      expect(await open.getAttribute('aria-expanded')).toBe('false');
      expect(await focused(hospitalPage)).toBe('trialguide-chat-button');
      expect(refused).toEqual([]);
    } finally {
      await hospitalPage.close();
    }
  });
});
