import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Activity, TestAdapter, type TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleChoices, visibleText } from '../../dialogs/shared/choice-message';
import { type App, buildApp } from '../../src/app';
import { CoordinatorChannel, coordinatorChannelKey, installChangeOf } from '../../src/channels/teams/coordinator-channel';
import { createTeamsMiddleware } from '../../src/channels/teams/teams-middleware';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';

const botId = '28:9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const serviceUrl = 'https://smba.trafficmanager.net/amer/';
const coordinatorsTeam = '19:coordinators-general@thread.tacv2';
const otherTeam = '19:nursing-general@thread.tacv2';

/** A channel message as Teams delivers it: the bot's @mention is in the text and in a mention entity. */
function channelMessage(text: string): Partial<Activity> {
  return {
    type: 'message',
    id: '1700000000000',
    channelId: 'msteams',
    serviceUrl,
    text: `<at>TrialGuide</at> ${text}`,
    textFormat: 'plain',
    locale: 'en-US',
    from: { id: '29:1aBcDeF', name: 'Coordinator', aadObjectId: '6a0e4c1b-0000-4000-8000-000000000001' },
    recipient: { id: botId, name: 'TrialGuide' },
    conversation: { id: '19:coordinators-general@thread.tacv2;messageid=1700000000000', isGroup: true, conversationType: 'channel', tenantId, name: '' },
    entities: [
      { type: 'mention', mentioned: { id: botId, name: 'TrialGuide' }, text: '<at>TrialGuide</at>' },
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' },
    ],
    channelData: { teamsChannelId: coordinatorsTeam, teamsTeamId: coordinatorsTeam, channel: { id: coordinatorsTeam }, team: { id: coordinatorsTeam }, tenant: { id: tenantId } },
  };
}

/** conversationUpdate when the app is added to (or removed from) a team: the bot itself is the member. */
function teamMembership(teamId: string, change: 'added' | 'removed', member = botId): Partial<Activity> {
  return {
    type: 'conversationUpdate',
    id: `f:${change}-${teamId}`,
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:1aBcDeF', name: '', aadObjectId: '6a0e4c1b-0000-4000-8000-000000000001' },
    recipient: { id: botId, name: 'TrialGuide' },
    conversation: { id: teamId, isGroup: true, conversationType: 'channel', tenantId, name: '' },
    ...(change === 'added' ? { membersAdded: [{ id: member, name: '' }] } : { membersRemoved: [{ id: member, name: '' }] }),
    channelData: {
      team: { id: teamId, name: 'Study coordinators', aadGroupId: '0d1e2f3a-0000-4000-8000-000000000002' },
      eventType: change === 'added' ? 'teamMemberAdded' : 'teamMemberRemoved',
      tenant: { id: tenantId },
      ...(change === 'added' ? { settings: { selectedChannel: { id: teamId } } } : {}),
    },
  };
}

let app: App;
let dataDir: string;
let channel: CoordinatorChannel;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-teams-'));
  // MultiTenant: botbuilder refuses a SingleTenant configuration without an app id (see the report on issue 4).
  app = await buildApp(loadConfig({ DATA_DIR: dataDir, MicrosoftAppType: 'MultiTenant' }), { logger: createLogger('silent') });
  channel = new CoordinatorChannel(app.stores.keyValue, { now: () => new Date('2026-11-20T08:00:00.000Z') }, createLogger('silent'));
});
afterAll(async () => {
  await app.stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The Teams middleware alone, in front of a logic that records what it saw. */
function recordingAdapter(): { adapter: TestAdapter; seen: Array<Partial<Activity>> } {
  const seen: Array<Partial<Activity>> = [];
  const adapter = new TestAdapter(async (context: TurnContext) => {
    seen.push({ ...context.activity });
  });
  adapter.use(createTeamsMiddleware({ coordinatorChannel: channel, logger: createLogger('silent') }));
  return { adapter, seen };
}

describe('Teams middleware: @mentions', () => {
  it('strips the bot mention before the turn logic sees the text', async () => {
    const { adapter, seen } = recordingAdapter();
    await adapter.processActivity(channelMessage('menu'));
    await adapter.processActivity(channelMessage('什么是阿帕替尼？'));
    expect(seen.map((activity) => activity.text)).toEqual(['menu', '什么是阿帕替尼？']);
  });

  it('leaves other people mentioned in the message, and other channels, alone', async () => {
    const { adapter, seen } = recordingAdapter();
    await adapter.processActivity({ ...channelMessage('ask <at>Dr Li</at>'), entities: [...(channelMessage('').entities ?? []), { type: 'mention', mentioned: { id: '29:drli', name: 'Dr Li' }, text: '<at>Dr Li</at>' }] });
    await adapter.processActivity({ ...channelMessage('menu'), channelId: 'directline' });
    expect(seen.map((activity) => activity.text)).toEqual(['ask <at>Dr Li</at>', '<at>TrialGuide</at> menu']);
  });

  it('lets the real bot answer "<at>TrialGuide</at> menu" exactly as it answers "menu"', async () => {
    const replies = async (activity: Partial<Activity>): Promise<string[]> => {
      const adapter = new TestAdapter(app.runtime.botLogic);
      adapter.use(createTeamsMiddleware({ coordinatorChannel: channel, logger: createLogger('silent') }));
      app.runtime.prepareAdapter(adapter);
      await adapter.processActivity(activity);
      return adapter.activeQueue.filter((reply) => reply.type === 'message').map((reply) => [visibleText(reply), ...visibleChoices(reply)].join(' | '));
    };
    const personal = (text: string, conversationId: string): Partial<Activity> => ({
      ...channelMessage(text),
      text,
      entities: [],
      conversation: { id: conversationId, conversationType: 'personal', isGroup: false, tenantId, name: '' },
    });
    const plain = await replies(personal('menu', 'a:plain'));
    const mentioned = await replies({ ...channelMessage('menu'), conversation: { id: 'a:mentioned', conversationType: 'personal', isGroup: false, tenantId, name: '' } });
    expect(plain.length).toBeGreaterThan(0);
    expect(mentioned).toEqual(plain);
    // Without the middleware's work the words are not the "menu" command: the guard that this test can fail.
    const noMiddleware = new TestAdapter(app.runtime.botLogic);
    app.runtime.prepareAdapter(noMiddleware);
    await noMiddleware.processActivity({ ...channelMessage('menu'), conversation: { id: 'a:raw', conversationType: 'personal', isGroup: false, tenantId, name: '' } });
    const raw = noMiddleware.activeQueue.filter((reply) => reply.type === 'message').map((reply) => [visibleText(reply), ...visibleChoices(reply)].join(' | '));
    expect(raw).not.toEqual(plain);
  });
});

describe('Teams middleware: the coordinators channel', () => {
  it('stores the channel reference when the app is installed in a team, with no expiry', async () => {
    const { adapter, seen } = recordingAdapter();
    await adapter.processActivity(teamMembership(coordinatorsTeam, 'added'));
    const stored = await channel.get();
    expect(stored?.teamId).toBe(coordinatorsTeam);
    expect(stored?.reference).toMatchObject({ channelId: 'msteams', serviceUrl, conversation: { id: coordinatorsTeam, tenantId }, bot: { id: botId } });
    expect(stored?.reference.activityId).toBeUndefined();
    // Still there in 50 years: the port has expiry, the reference must not lapse.
    expect(await app.stores.keyValue.get(coordinatorChannelKey, new Date('2076-01-01T00:00:00Z'))).toBeDefined();
    // A team event is not a conversation with a patient: no greeting, no dialog.
    expect(seen).toEqual([]);
  });

  it('keeps the reference when someone else joins, or the app leaves another team; forgets it when removed from this team', async () => {
    const { adapter } = recordingAdapter();
    await adapter.processActivity(teamMembership(coordinatorsTeam, 'added'));
    await adapter.processActivity(teamMembership(coordinatorsTeam, 'added', '29:newColleague'));
    await adapter.processActivity(teamMembership(otherTeam, 'removed'));
    expect((await channel.get())?.teamId).toBe(coordinatorsTeam);

    await adapter.processActivity(teamMembership(coordinatorsTeam, 'removed'));
    expect(await channel.get()).toBeUndefined();
    expect(await app.stores.keyValue.get(coordinatorChannelKey, new Date())).toBeUndefined();
  });

  it('reads installationUpdate add / remove in a team the same way, and ignores personal installs', () => {
    const base = { channelId: 'msteams', recipient: { id: botId, name: 'TrialGuide' }, conversation: { id: coordinatorsTeam, isGroup: true, conversationType: 'channel', name: '' } };
    const team = { channelData: { team: { id: coordinatorsTeam }, tenant: { id: tenantId } } };
    expect(installChangeOf({ ...base, ...team, type: 'installationUpdate', action: 'add' } as Activity)).toEqual({ kind: 'installed', teamId: coordinatorsTeam });
    expect(installChangeOf({ ...base, ...team, type: 'installationUpdate', action: 'remove' } as Activity)).toEqual({ kind: 'removed', teamId: coordinatorsTeam });
    expect(installChangeOf({ ...base, type: 'installationUpdate', action: 'add', channelData: { tenant: { id: tenantId } } } as Activity)).toBeUndefined();
    expect(installChangeOf({ ...teamMembership(coordinatorsTeam, 'added'), channelId: 'directline' } as Activity)).toBeUndefined();
  });

  it('a later install in another team takes over; its removal then forgets it', async () => {
    const { adapter } = recordingAdapter();
    await adapter.processActivity(teamMembership(coordinatorsTeam, 'added'));
    await adapter.processActivity(teamMembership(otherTeam, 'added'));
    expect((await channel.get())?.reference.conversation?.id).toBe(otherTeam);
    await adapter.processActivity(teamMembership(coordinatorsTeam, 'removed'));
    expect((await channel.get())?.teamId).toBe(otherTeam);
    await adapter.processActivity(teamMembership(otherTeam, 'removed'));
    expect(await channel.get()).toBeUndefined();
  });
});
