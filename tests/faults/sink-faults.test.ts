import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allText, startConversation } from '../support/conversation-harness';

/**
 * Fault suite, delivery: the hospital's webhook hangs, or answers slowly, while people hand off. (A 500 that
 * later recovers, 429 with Retry-After, a refused connection and a header timeout are covered sink by sink in
 * tests/handoff.) What is added here is the whole app: the person's confirmation never waits for a sink, the
 * worker's loop stays alive (/readyz), and every referral is delivered once the receiver answers again.
 */
type Behaviour = 'hang' | 'dribble' | 'ok';

async function startReceiver(): Promise<{ url: string; setBehaviour(next: Behaviour): void; attempts: string[]; delivered: Set<string>; close(): Promise<void> }> {
  let behaviour: Behaviour = 'hang';
  const attempts: string[] = [];
  const delivered = new Set<string>();
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = String(req.headers['x-idempotency-key'] ?? '');
    attempts.push(`${behaviour}:${key}`);
    req.resume();
    open.add(res);
    res.on('close', () => open.delete(res));
    if (behaviour === 'hang') return;
    if (behaviour === 'dribble') {
      // Headers at once, then a byte every 300 ms, never finishing: a receiver stuck mid-answer.
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 300);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
      return;
    }
    delivered.add(key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    setBehaviour(next) {
      behaviour = next;
    },
    attempts,
    delivered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('hand-off sink hanging or answering too slowly', () => {
  for (const behaviour of ['hang', 'dribble'] as const) {
    it(`${behaviour}: the person is confirmed at once, the worker stays alive and retries, and delivery completes once the receiver answers`, async () => {
      const receiver = await startReceiver();
      receiver.setBehaviour(behaviour);
      const chat = await startConversation({
        locale: 'en-US',
        env: {
          HANDOFF_WEBHOOK_URL: receiver.url,
          HANDOFF_WEBHOOK_SECRET: 'sink-fault-webhook-secret-0123456789',
          // A delivery attempt is cut after half the lease: 1 s here.
          OUTBOX_LEASE_SECONDS: '2',
          OUTBOX_RETRY_BASE_SECONDS: '1',
          OUTBOX_POLL_SECONDS: '1',
        },
      });
      const port = await chat.app.start(0);
      try {
        await chat.say('I am the patient');
        await chat.say('talk to a person');
        for (const answer of ['yes', 'Ms Chen', '138 1234 5678', 'skip', 'morning', 'English']) await chat.say(answer);
        const started = Date.now();
        const confirmation = allText(await chat.say('yes'));
        expect(confirmation).toMatch(/TG-[2-9A-HJKMNP-Z]{5}/);
        expect(Date.now() - started).toBeLessThan(1_000);

        // At least two attempts were cut off by the timeout and rescheduled.
        expect(await until(() => receiver.attempts.length >= 2, 15_000)).toBe(true);
        expect(receiver.delivered.size).toBe(0);
        expect(await chat.stores.outbox.countPending()).toBe(1);
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(ready.status).toBe(200);
        expect(((await ready.json()) as { checks: Record<string, boolean> }).checks.outboxWorker).toBe(true);
        const retries = chat.logLines.filter((line) => line.includes('will retry') && line.includes('timeout'));
        expect(retries.length).toBeGreaterThan(0);

        receiver.setBehaviour('ok');
        expect(await until(async () => (await chat.stores.outbox.countPending()) === 0, 15_000)).toBe(true);
        expect(receiver.delivered.size).toBe(1);
      } finally {
        await chat.app.stop();
        await chat.close();
        await receiver.close();
      }
    }, 45_000);
  }
});
