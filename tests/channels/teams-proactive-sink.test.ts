import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { createBotFrameworkAdapter } from '../../src/channels/bot-framework/bot-framework-routes';
import { CoordinatorChannel } from '../../src/channels/teams/coordinator-channel';
import { setUpTeams } from '../../src/channels/teams/teams-setup';
import { createTeamsProactiveSink, teamsChannelSinkName } from '../../src/channels/teams/teams-proactive-sink';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { pii, sampleReferral } from '../handoff/support/fixtures';
import { type ReceivedRequest, sendJson, startLocalHttp } from '../handoff/support/local-http';

const botId = '28:9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const teamId = '19:coordinators-general@thread.tacv2';
const publicBaseUrl = 'https://trialguide.example.org';

/** The install event Teams sends when the app is added to the coordinators' team, from a given Bot Connector. */
function installEvent(serviceUrl: string): Activity {
  return {
    type: 'conversationUpdate',
    id: 'f:install',
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:1aBcDeF', name: '' },
    recipient: { id: botId, name: 'TrialGuide' },
    conversation: { id: teamId, isGroup: true, conversationType: 'channel', tenantId, name: '' },
    membersAdded: [{ id: botId, name: '' }],
    channelData: { team: { id: teamId, name: 'Study coordinators' }, eventType: 'teamMemberAdded', tenant: { id: tenantId } },
  } as Activity;
}

/**
 * The Bot Connector's side of a proactive post: POST {serviceUrl}/v3/conversations/{id}/activities answered
 * with a ResourceResponse, or with Teams' `{error: {code, message}}` body on failure.
 */
type ConnectorAnswer = { status: number; body: unknown };
async function fakeConnector(answer: () => ConnectorAnswer) {
  const connector = await startLocalHttp((request, res) => {
    const expected = `/v3/conversations/${encodeURIComponent(teamId)}/activities`;
    if (request.method !== 'POST' || request.url !== expected) return sendJson(res, 404, { error: { code: 'NotFound', message: request.url } });
    const { status, body } = answer();
    sendJson(res, status, body);
  });
  closers.push(() => connector.close());
  return connector;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

let app: App;
let dataDir: string;
let channel: CoordinatorChannel;
const config = () => loadConfig({ DATA_DIR: dataDir, MicrosoftAppType: 'MultiTenant', PUBLIC_BASE_URL: publicBaseUrl });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-teams-sink-'));
  // MultiTenant: botbuilder refuses a SingleTenant configuration without an app id (see the report on issue 4).
  app = await buildApp(config(), { logger: createLogger('silent') });
  channel = new CoordinatorChannel(app.stores.keyValue, { now: () => new Date() }, createLogger('silent'));
});
afterAll(async () => {
  await app.stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The real CloudAdapter with the app's middleware and onTurnError, as /api/messages has it; auth off (no app id). */
function sinkFor(timeoutMs?: number) {
  const adapter = createBotFrameworkAdapter(config());
  app.runtime.prepareAdapter(adapter);
  return createTeamsProactiveSink({ adapter, appId: '', coordinatorChannel: channel, publicBaseUrl, logger: createLogger('silent'), ...(timeoutMs ? { timeoutMs } : {}) });
}

function posted(request: ReceivedRequest): Activity {
  return JSON.parse(request.raw.toString('utf8')) as Activity;
}

describe('Teams proactive sink (coordinators channel)', () => {
  it('posts a contact-free Adaptive Card to the stored channel through the Bot Connector', async () => {
    const connector = await fakeConnector(() => ({ status: 201, body: { id: '1700000000001' } }));
    await channel.observe(installEvent(connector.url));

    const sink = sinkFor();
    expect(sink.name).toBe(teamsChannelSinkName);
    expect(await sink.deliver(sampleReferral(), 'referral:x:teams-channel')).toEqual({ kind: 'delivered' });

    expect(connector.received).toHaveLength(1);
    const request = connector.received[0]!;
    // No app id: the connector client sends no token (Azure's connector would demand one).
    expect(request.headers.authorization).toBeUndefined();
    const activity = posted(request);
    expect(activity.type).toBe('message');
    expect(activity.conversation.id).toBe(teamId);
    expect(activity.replyToId).toBeUndefined();
    const card = activity.attachments?.[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const content = JSON.stringify(card?.content);
    expect(content).toContain('TG-7K3Q9');
    expect(content).toContain(`${publicBaseUrl}/api/referrals/7f1e2d3c-0000-4000-8000-00000000abcd`);
    for (const value of [pii.name, pii.phone, pii.phone.slice(1), pii.email, pii.bestTime]) expect(JSON.stringify(activity)).not.toContain(value);
    // Under Teams' 80 KB message limit with room to spare.
    expect(request.raw.length).toBeLessThan(28 * 1024);
  });

  it('maps 403 MessageWritesBlocked to a permanent failure and forgets the channel, without posting an error there', async () => {
    const connector = await fakeConnector(() => ({ status: 403, body: { error: { code: 'MessageWritesBlocked', message: 'Thread is blocked for bot messages' } } }));
    await channel.observe(installEvent(connector.url));

    const outcome = await sinkFor().deliver(sampleReferral(), 'referral:x:teams-channel');
    expect(outcome).toEqual({ kind: 'permanent', reason: 'HTTP 403 MessageWritesBlocked' });
    expect(await channel.get()).toBeUndefined();
    // onTurnError would have tried to post the patient-facing apology: exactly one request means it did not.
    expect(connector.received).toHaveLength(1);
  });

  it('429 is a retry for the outbox and keeps the channel; a 502 is retried by the connector client itself', async () => {
    const answers: ConnectorAnswer[] = [
      { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } },
      { status: 502, body: { error: { code: 'ServiceError', message: 'upstream' } } },
    ];
    const connector = await fakeConnector(() => answers.shift() ?? { status: 201, body: { id: '1' } });
    await channel.observe(installEvent(connector.url));
    const sink = sinkFor();

    expect(await sink.deliver(sampleReferral(), 'k')).toEqual({ kind: 'retry', reason: 'HTTP 429 TooManyRequests' });
    expect(connector.received).toHaveLength(1);
    expect((await channel.get())?.teamId).toBe(teamId);
    // botframework-connector's pipeline retries 5xx after about a second before the outbox ever sees it.
    expect(await sink.deliver(sampleReferral(), 'k')).toEqual({ kind: 'delivered' });
    expect(connector.received).toHaveLength(3);
  });

  it('retries when the connector cannot be reached, and gives a clear permanent reason when no channel is stored', async () => {
    const connector = await fakeConnector(() => ({ status: 201, body: { id: '1' } }));
    const unreachable = connector.url;
    await connector.close();
    await channel.observe(installEvent(unreachable));
    const offline = await sinkFor(2_000).deliver(sampleReferral(), 'k');
    expect(offline.kind).toBe('retry');
    expect(JSON.stringify(offline)).not.toContain('127.0.0.1');

    await channel.forget(teamId);
    expect(await sinkFor().deliver(sampleReferral(), 'k')).toEqual({ kind: 'permanent', reason: 'no coordinators Teams channel: install the app in the coordinators team' });
  });

  it('setUpTeams offers the sink only with an app id (Teams cannot reach a bot without one)', () => {
    const adapter = createBotFrameworkAdapter(config());
    expect(setUpTeams({ adapter, stores: app.stores, config: config(), logger: createLogger('silent'), clock: { now: () => new Date() } }).sink).toBeUndefined();
    const withId = loadConfig({ DATA_DIR: dataDir, MicrosoftAppId: '9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d', MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppTenantId: tenantId });
    const teams = setUpTeams({ adapter: createBotFrameworkAdapter(withId), stores: app.stores, config: withId, logger: createLogger('silent'), clock: { now: () => new Date() } });
    expect(teams.sink?.name).toBe('teams-channel');
    expect(setUpTeams({ adapter, stores: app.stores, config: withId, logger: createLogger('silent'), clock: { now: () => new Date() }, announceReferrals: false }).sink).toBeUndefined();
  });
});
