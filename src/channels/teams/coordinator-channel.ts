import { type Activity, type ConversationReference, TurnContext, teamsGetSelectedChannelId, teamsGetTeamInfo } from 'botbuilder';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import type { KeyValueStore } from '../../storage/ports';

/** One coordinators' channel per deployment: the team the app was installed into most recently. */
export const coordinatorChannelKey = 'teams:coordinator-channel';

/** The key-value port has no "never expires": the reference lives until the app is removed from the team. */
const untilRemoved = new Date(Date.UTC(9999, 11, 31));

export interface StoredCoordinatorChannel {
  teamId: string;
  reference: Partial<ConversationReference>;
  /** ISO 8601. */
  installedAt: string;
}

export type InstallChange = { kind: 'installed'; teamId: string } | { kind: 'removed'; teamId: string };

/**
 * Reads an install or removal of this bot in a team. Teams sends a `conversationUpdate` with the bot in
 * `membersAdded` / `membersRemoved` (channelData.eventType teamMemberAdded / teamMemberRemoved), and newer
 * clients also an `installationUpdate` with action add / remove; both carry `channelData.team`.
 * Personal and group-chat installs have no team and are ignored.
 */
export function installChangeOf(activity: Activity): InstallChange | undefined {
  if (activity.channelId !== 'msteams') return undefined;
  const teamId = teamsGetTeamInfo(activity)?.id;
  if (!teamId) return undefined;
  const botId = activity.recipient?.id;
  if (activity.type === 'conversationUpdate') {
    if (botId && activity.membersAdded?.some((member) => member.id === botId)) return { kind: 'installed', teamId };
    if (botId && activity.membersRemoved?.some((member) => member.id === botId)) return { kind: 'removed', teamId };
    return undefined;
  }
  if (activity.type === 'installationUpdate') {
    if (activity.action === 'add') return { kind: 'installed', teamId };
    if (activity.action === 'remove') return { kind: 'removed', teamId };
  }
  return undefined;
}

/**
 * Where new messages to the channel go. The install event's own id is dropped: with an `activityId` the
 * adapter would answer as a reply to that event instead of starting a new post. A channel chosen at install
 * time (settings.selectedChannel) wins over the team's General channel.
 */
export function channelReferenceOf(activity: Activity): Partial<ConversationReference> {
  const reference = { ...TurnContext.getConversationReference(activity) };
  delete reference.activityId;
  const selected = teamsGetSelectedChannelId(activity);
  const conversationId = (selected || activity.conversation.id).split(';messageid=')[0] ?? activity.conversation.id;
  return { ...reference, conversation: { ...activity.conversation, id: conversationId } };
}

/** The coordinators' channel reference, kept in the shared store so every instance and a restart see it. */
export class CoordinatorChannel {
  constructor(
    private readonly keyValue: KeyValueStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Stores or forgets the reference when the activity is an install or removal in a team. */
  async observe(activity: Activity): Promise<InstallChange | undefined> {
    const change = installChangeOf(activity);
    if (change?.kind === 'installed') {
      const previous = await this.get();
      const stored: StoredCoordinatorChannel = { teamId: change.teamId, reference: channelReferenceOf(activity), installedAt: this.clock.now().toISOString() };
      await this.keyValue.set(coordinatorChannelKey, JSON.stringify(stored), untilRemoved);
      if (previous && previous.teamId !== change.teamId) this.logger.warn('teams: coordinators channel moved to another team; the earlier team gets no more referral notices');
      this.logger.info('teams: coordinators channel stored');
    } else if (change?.kind === 'removed') {
      await this.forget(change.teamId);
    }
    return change;
  }

  async get(): Promise<StoredCoordinatorChannel | undefined> {
    const raw = await this.keyValue.get(coordinatorChannelKey, this.clock.now());
    if (raw === undefined) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<StoredCoordinatorChannel>;
      if (typeof parsed.teamId === 'string' && parsed.reference?.conversation?.id && parsed.reference.serviceUrl) return parsed as StoredCoordinatorChannel;
      this.logger.error('teams: stored coordinators channel is incomplete; reinstall the app in the coordinators team');
    } catch (error) {
      this.logger.error('teams: stored coordinators channel is not JSON; reinstall the app in the coordinators team', { error: (error as Error).name });
    }
    return undefined;
  }

  /** Forgets the channel, but only if it belongs to `teamId`: removing the app from another team changes nothing. */
  async forget(teamId: string): Promise<boolean> {
    const current = await this.get();
    if (current && current.teamId !== teamId) return false;
    await this.keyValue.delete(coordinatorChannelKey);
    if (current) this.logger.info('teams: coordinators channel forgotten');
    return current !== undefined;
  }
}
