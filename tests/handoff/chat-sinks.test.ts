import { afterEach, describe, expect, it } from 'vitest';
import { buildStaffNotification } from '../../src/handoff/notification';
import { buildTeamsCard, createTeamsWebhookSink } from '../../src/handoff/sinks/teams-webhook-sink';
import { buildWeComMarkdown, createWeComSink, truncateUtf8, wecomMarkdownMaxBytes } from '../../src/handoff/sinks/wecom-sink';
import { pii, sampleReferral } from './support/fixtures';
import { sendJson, startLocalHttp } from './support/local-http';

const base = 'https://trialguide.example.org';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function fakeService(reply: Parameters<typeof startLocalHttp>[0]) {
  const server = await startLocalHttp(reply);
  closers.push(() => server.close());
  return server;
}

const contactValues = [pii.name, pii.phone, pii.phone.slice(1), pii.email, pii.bestTime];

describe('WeCom group robot sink', () => {
  it('posts a markdown message with reference, outcome, flags and link, and no contact details', async () => {
    // Speaks the group robot's protocol: POST /cgi-bin/webhook/send?key=…, answers HTTP 200 {errcode, errmsg}.
    const wecom = await fakeService((request, res) => {
      const body = JSON.parse(request.raw.toString('utf8')) as { msgtype?: string; markdown?: { content?: string } };
      if (body.msgtype !== 'markdown' || typeof body.markdown?.content !== 'string') return sendJson(res, 200, { errcode: 40008, errmsg: 'invalid message type' });
      if (Buffer.byteLength(body.markdown.content, 'utf8') > 4096) return sendJson(res, 200, { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' });
      sendJson(res, 200, { errcode: 0, errmsg: 'ok' });
    });
    const sink = createWeComSink({ url: `${wecom.url}/cgi-bin/webhook/send?key=robot-key`, publicBaseUrl: base });

    expect(await sink.deliver(sampleReferral(), 'referral:x:wecom')).toEqual({ kind: 'delivered' });

    const request = wecom.received[0]!;
    expect(request.url).toBe('/cgi-bin/webhook/send?key=robot-key');
    const content = (JSON.parse(request.raw.toString('utf8')) as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('TG-7K3Q9');
    expect(content).toContain('2026-11-20T08:30:00.000Z');
    expect(content).toContain('brain-metastases');
    expect(content).toContain(`(${base}/api/referrals/7f1e2d3c-0000-4000-8000-00000000abcd)`);
    for (const value of contactValues) expect(content).not.toContain(value);
  });

  it('keeps the markdown within 4096 bytes whatever the flags, without breaking a character', () => {
    const flags = Array.from({ length: 600 }, (_, index) => `旗标-${index}`);
    const notification = buildStaffNotification(sampleReferral({ precheck: { outcome: 'cannot-tell', reasons: [], flags, answers: {}, criteriaVersion: 'v' } }), base);
    const content = buildWeComMarkdown(notification);
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(wecomMarkdownMaxBytes);
    expect(content.endsWith('…')).toBe(true);
    expect(content).not.toContain('\uFFFD');
    expect(truncateUtf8('短文本', 4096)).toBe('短文本');
    expect(Buffer.byteLength(truncateUtf8('中'.repeat(10), 10), 'utf8')).toBeLessThanOrEqual(10);
  });

  it.each([
    [{ errcode: 45009, errmsg: 'api freq out of limit' }, 'retry'],
    [{ errcode: -1, errmsg: 'system busy' }, 'retry'],
    [{ errcode: 93000, errmsg: 'invalid webhook url' }, 'permanent'],
  ] as const)('reads errcode %j as %s (WeCom answers HTTP 200 either way)', async (answer, kind) => {
    const wecom = await fakeService((_request, res) => sendJson(res, 200, answer));
    const outcome = await createWeComSink({ url: `${wecom.url}/cgi-bin/webhook/send?key=robot-key`, publicBaseUrl: base }).deliver(sampleReferral(), 'k');
    expect(outcome.kind).toBe(kind);
    expect(JSON.stringify(outcome)).not.toContain('robot-key');
  });
});

describe('Teams Workflows webhook sink', () => {
  it('posts an Adaptive Card 1.5 message with no contact details', async () => {
    // Workflows ("When a Teams webhook request is received") answers 202 Accepted with an empty body.
    const teams = await fakeService((_request, res) => {
      res.writeHead(202);
      res.end();
    });
    const sink = createTeamsWebhookSink({ url: `${teams.url}/workflows/abc/triggers/manual/paths/invoke?sig=s`, publicBaseUrl: base });

    expect(await sink.deliver(sampleReferral(), 'referral:x:teams')).toEqual({ kind: 'delivered' });

    const message = JSON.parse(teams.received[0]!.raw.toString('utf8')) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> };
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const attachment = message.attachments[0]!;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content.type).toBe('AdaptiveCard');
    expect(attachment.content.version).toBe('1.5');
    const facts = (attachment.content.body as Array<{ type: string; facts?: Array<{ title: string; value: string }> }>).find((element) => element.type === 'FactSet')?.facts ?? [];
    expect(facts.map((fact) => fact.value)).toContain('TG-7K3Q9');
    expect(attachment.content.actions).toEqual([expect.objectContaining({ type: 'Action.OpenUrl', url: `${base}/api/referrals/7f1e2d3c-0000-4000-8000-00000000abcd` })]);
    const text = teams.received[0]!.raw.toString('utf8');
    for (const value of contactValues) expect(text).not.toContain(value);
    expect(Buffer.byteLength(text)).toBeLessThan(80 * 1024);
  });

  it('reads a legacy connector\'s "returned HTTP error 429" inside a 200 as a retry, and 400 as permanent', async () => {
    const legacy = await fakeService((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0');
    });
    expect((await createTeamsWebhookSink({ url: legacy.url, publicBaseUrl: base }).deliver(sampleReferral(), 'k')).kind).toBe('retry');

    const rejecting = await fakeService((_request, res) => sendJson(res, 400, { error: { code: 'InvalidRequest' } }));
    expect((await createTeamsWebhookSink({ url: rejecting.url, publicBaseUrl: base }).deliver(sampleReferral(), 'k')).kind).toBe('permanent');
  });

  it('shows "not done" when no pre-check was shared', () => {
    const { precheck: _unused, ...withoutPrecheck } = sampleReferral();
    const card = JSON.stringify(buildTeamsCard(buildStaffNotification(withoutPrecheck, base)));
    expect(card).toContain('Not done or not shared');
  });
});
