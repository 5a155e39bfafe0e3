import type { WebSocket } from 'ws';
import type { Logger } from '../../../logger';
import type { ConversationLogStore } from '../../../storage/ports';

/** One connected client: everything after `watermark` in the log is still to be sent to it. */
class StreamSession {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    private readonly conversationId: string,
    private watermark: number,
    private readonly logs: ConversationLogStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads what is new since this socket's watermark and sends it. Pulls are queued one after another so
   * frames go out in log order, whichever instance wrote the activities, and nothing is sent twice.
   */
  sync(): Promise<void> {
    this.queue = this.queue.then(() => this.pull());
    return this.queue;
  }

  private async pull(): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return;
    try {
      const page = await this.logs.since(this.conversationId, this.watermark);
      if (page.activities.length === 0) return;
      this.watermark = page.watermark;
      this.socket.send(JSON.stringify({ activities: page.activities, watermark: String(page.watermark) }));
    } catch (error) {
      // The client reconnects (GET /conversations/:id?watermark=) and catches up from its own watermark.
      this.logger.warn('direct line stream could not read the conversation log', { error });
      this.socket.terminate();
    }
  }
}

/**
 * The WebSocket side of the Direct Line endpoint. The conversation log is the source of truth: a notify
 * only tells local sockets to pull. Typing indicators are not stored and go to the sockets directly.
 */
export class DirectLineStreams {
  private readonly sessions = new Map<string, Set<StreamSession>>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly logs: ConversationLogStore,
    private readonly logger: Logger,
    keepAliveMs: number,
  ) {
    // Empty frames, as Direct Line sends, keep proxies from closing idle sockets.
    this.keepAlive = setInterval(() => this.sendKeepAlive(), keepAliveMs);
    this.keepAlive.unref();
  }

  /** Adds an accepted socket and sends it what it has missed since `watermark`. */
  async attach(socket: WebSocket, conversationId: string, watermark: number): Promise<void> {
    const session = new StreamSession(socket, conversationId, watermark, this.logs, this.logger);
    const sessions = this.sessions.get(conversationId) ?? new Set<StreamSession>();
    sessions.add(session);
    this.sessions.set(conversationId, sessions);
    socket.on('close', () => {
      sessions.delete(session);
      if (sessions.size === 0 && this.sessions.get(conversationId) === sessions) this.sessions.delete(conversationId);
    });
    // Clients send empty frames as their own keep-alive; nothing they send is meaningful here.
    socket.on('message', () => undefined);
    socket.on('error', (error) => this.logger.debug('direct line stream socket error', { error }));
    await session.sync();
  }

  async notify(conversationId: string): Promise<void> {
    const sessions = this.sessions.get(conversationId);
    if (!sessions) return;
    await Promise.all([...sessions].map((session) => session.sync()));
  }

  sendTyping(conversationId: string, activity: object): void {
    const frame = JSON.stringify({ activities: [activity] });
    for (const session of this.sessions.get(conversationId) ?? []) {
      if (session.socket.readyState === session.socket.OPEN) session.socket.send(frame);
    }
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const sessions of this.sessions.values()) {
      for (const session of sessions) {
        session.socket.close(1001, 'server shutting down');
        // A client that never answers the close frame must not hold the HTTP server open.
        setTimeout(() => session.socket.terminate(), 1000).unref();
      }
    }
    this.sessions.clear();
  }

  private sendKeepAlive(): void {
    for (const sessions of this.sessions.values()) {
      for (const session of sessions) {
        if (session.socket.readyState === session.socket.OPEN) session.socket.send('');
      }
    }
  }
}
