import { z } from 'zod';
import type { KeyValueStore } from '../../../storage/ports';

export interface DirectLineConversation {
  /** The user id bound into the conversation's tokens. */
  userId: string;
  /** The client's locale at start (e.g. 'zh-CN'), stamped on the greeting turn. */
  locale?: string;
}

const recordSchema = z.object({ userId: z.string().min(1), locale: z.string().optional() });

const keyOf = (conversationId: string): string => `directline:conversation:${conversationId}`;

/**
 * Which conversations have started, kept in the shared key-value store so that any instance (or the same
 * one after a restart) can serve a reconnect, and so that only one of them sends the greeting turn.
 * Records expire `retentionMs` after the last activity; the activity log is purged on the same horizon.
 */
export class DirectLineConversations {
  constructor(
    private readonly keyValue: KeyValueStore,
    private readonly retentionMs: number,
  ) {}

  /** True when this call started the conversation (exactly one caller wins a race). */
  async start(conversationId: string, conversation: DirectLineConversation, now: Date): Promise<boolean> {
    return this.keyValue.setIfAbsent(keyOf(conversationId), JSON.stringify(conversation), this.expiry(now));
  }

  async get(conversationId: string, now: Date): Promise<DirectLineConversation | undefined> {
    const raw = await this.keyValue.get(keyOf(conversationId), now);
    if (raw === undefined) return undefined;
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** Pushes the expiry forward: an active conversation stays reachable. */
  async touch(conversationId: string, conversation: DirectLineConversation, now: Date): Promise<void> {
    await this.keyValue.set(keyOf(conversationId), JSON.stringify(conversation), this.expiry(now));
  }

  async forget(conversationId: string): Promise<void> {
    await this.keyValue.delete(keyOf(conversationId));
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.retentionMs);
  }
}
