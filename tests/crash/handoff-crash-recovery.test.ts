import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { type RecordedRequest, startRecordingServer, waitFor } from '../support/http';
import { freePort } from '../support/processes';

/**
 * Issue 3's durability promise, measured: a person confirms a hand-off over HTTP (self-hosted Direct Line),
 * the bot process is killed with SIGKILL the moment the confirmation arrives, and after a restart the
 * referral is in the coordinator API and is delivered to the hospital webhook with a valid signature.
 * In odd runs the webhook is down while the first process runs, so delivery must come from the restart.
 * `npm test` runs 2 rounds (one of each kind); CI sets CRASH_RUNS=10.
 */
const runs = crashRuns(process.env.CRASH_RUNS);

function crashRuns(value: string | undefined): number {
  if (value === undefined || value === '') return 2;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 2) throw new Error(`CRASH_RUNS must be a whole number of at least 2, got "${value}"`);
  return parsed;
}
const webhookSecret = 'crash-test-webhook-secret-0123456789';
const coordinatorToken = 'crash-test-coordinator-token-0123456789';
const directLineSecret = 'crash-test-directline-secret-0123456789';
const logDir = path.join(projectRoot, 'test-artifacts', 'logs');
const phoneOf = (run: number) => `+86 139 0000 ${String(1000 + run)}`;
const e164Of = (run: number) => phoneOf(run).replace(/ /g, '');

function validSignature(request: RecordedRequest): boolean {
  const header = String(request.headers['x-signature-256'] ?? '');
  const expected = `sha256=${createHmac('sha256', webhookSecret).update(request.body).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

describe('a confirmed hand-off survives kill -9', () => {
  let dataDir: string;
  let port: number;
  let webhookUp = false;
  let webhook: Awaited<ReturnType<typeof startRecordingServer>>;
  const logPath = path.join(logDir, 'handoff-crash-recovery.log');
  const log = (() => {
    mkdirSync(logDir, { recursive: true });
    return createWriteStream(logPath, { flags: 'w' });
  })();
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-crash-'));
    webhook = await startRecordingServer(() => (webhookUp ? { status: 200, body: { ok: true } } : { status: 503, body: { error: 'down' } }));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await webhook.close();
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startBot(): Promise<ChildProcess> {
    const bot = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        DATA_DIR: dataDir,
        DIRECTLINE_SECRET: directLineSecret,
        COORDINATOR_API_TOKENS: `crash-test:${coordinatorToken}`,
        HANDOFF_WEBHOOK_URL: `${webhook.url}/referrals`,
        HANDOFF_WEBHOOK_SECRET: webhookSecret,
        OUTBOX_RETRY_BASE_SECONDS: '1',
        OUTBOX_POLL_SECONDS: '1',
        OUTBOX_LEASE_SECONDS: '4',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout?.pipe(log, { end: false });
    bot.stderr?.pipe(log, { end: false });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (bot.exitCode !== null) throw new Error(`bot exited with ${bot.exitCode}; see ${logPath}`);
      const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok).catch(() => false);
      if (healthy) return bot;
      if (Date.now() > deadline) throw new Error(`bot did not become healthy; see ${logPath}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function killHard(bot: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => bot.once('exit', resolve));
    bot.kill('SIGKILL');
    await exited;
  }

  /** A minimal Direct Line client: each POST returns after the bot's turn, so the replies are then in the log. */
  async function openConversation(): Promise<{ say(text: string): Promise<string[]> }> {
    const base = `http://127.0.0.1:${port}/v3/directline`;
    const generated = (await (await fetch(`${base}/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${directLineSecret}` } })).json()) as { token: string };
    const started = await fetch(`${base}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${generated.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ locale: 'en-US' }) });
    const { conversationId, token } = (await started.json()) as { conversationId: string; token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let watermark = '';
    const read = async () => {
      const page = (await (await fetch(`${base}/conversations/${conversationId}/activities?watermark=${watermark}`, { headers })).json()) as {
        activities: Array<{ type: string; text?: string; from: { role?: string; id: string } }>;
        watermark: string;
      };
      watermark = page.watermark;
      return page.activities.filter((activity) => activity.type === 'message' && activity.from.id !== 'user').map((activity) => activity.text ?? '');
    };
    await read();
    return {
      async say(text: string) {
        const posted = await fetch(`${base}/conversations/${conversationId}/activities`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'message', text, locale: 'en-US', from: { id: 'user' }, channelData: { clientActivityID: `c${Date.now()}` } }),
        });
        expect(posted.status).toBe(200);
        return read();
      },
    };
  }

  it(`${runs} hand-offs confirmed, each followed by SIGKILL and a restart: 0 lost`, async () => {
    const lost: string[] = [];
    for (let run = 1; run <= runs; run += 1) {
      webhookUp = run % 2 === 0;
      child = await startBot();
      const chat = await openConversation();
      await chat.say('I am the patient');
      await chat.say('talk to a person');
      for (const answer of ['yes', `Crash Test ${run}`, phoneOf(run), 'skip', 'morning', 'Mandarin']) await chat.say(answer);
      const confirmation = (await chat.say('yes')).join('\n');
      // The confirmation has arrived: kill at once, before anything else can happen.
      await killHard(child);
      const reference = /TG-[2-9A-HJKMNP-Z]{5}/.exec(confirmation)?.[0];
      expect(reference, `run ${run}: confirmation shows a reference`).toBeDefined();

      child = await startBot();
      webhookUp = true;
      const listed = (await (await fetch(`http://127.0.0.1:${port}/api/referrals?limit=100`, { headers: { authorization: `Bearer ${coordinatorToken}` } })).json()) as { items: Array<{ reference: string; id: string }> };
      const stored = listed.items.find((item) => item.reference === reference);
      const delivered = await waitFor(
        () => webhook.requests.find((request) => request.body.includes(reference ?? '-') && validSignature(request) && request.headers['x-idempotency-key']) ?? undefined,
        15_000,
      ).catch(() => undefined);
      if (!stored || !delivered) lost.push(`run ${run} ${reference ?? '(no reference)'}: stored=${Boolean(stored)} delivered=${Boolean(delivered)}`);
      if (stored) {
        const detail = (await (await fetch(`http://127.0.0.1:${port}/api/referrals/${stored.id}`, { headers: { authorization: `Bearer ${coordinatorToken}` } })).json()) as { contact: { phone: string } };
        expect(detail.contact.phone).toBe(e164Of(run));
      }
      await killHard(child);
      child = undefined;
    }
    expect(lost, lost.join("\n")).toEqual([]);
    // Odd runs had the webhook down during the first process: their first attempts failed and were retried.
    expect(webhook.requests.length).toBeGreaterThanOrEqual(runs);
  }, 300_000);

  it('the bot processes logged none of the phone numbers or names used', async () => {
    await new Promise((resolve) => log.write('', resolve));
    const written = readFileSync(logPath, 'utf8');
    expect(written.length).toBeGreaterThan(1000);
    for (let run = 1; run <= runs; run += 1) {
      expect(written).not.toContain(phoneOf(run));
      expect(written).not.toContain(e164Of(run));
      expect(written).not.toContain(`Crash Test ${run}`);
    }
  });
});
