import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Clock } from '../../clock';
import type { Logger } from '../../logger';
import { verifyStreamCredential } from '../../security/directline-token';
import type { DirectLineConversations } from './directline-conversations';
import type { DirectLineStreams } from './directline-streams';
import { watermarkSchema } from './directline-schemas';

export interface StreamUpgradeDependencies {
  basePath: string;
  secret: string;
  clock: Clock;
  logger: Logger;
  conversations: DirectLineConversations;
  streams: DirectLineStreams;
}

function reject(socket: Duplex, status: 401 | 403 | 404 | 400 | 500, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Accepts WebSockets on `<base>/conversations/:id/stream?t=<stream credential>&watermark=`. Browsers cannot
 * set headers on a WebSocket, so the short-lived credential rides in the URL; bad credentials are refused
 * before the handshake completes.
 */
export function createStreamUpgradeHandler(deps: StreamUpgradeDependencies): {
  handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<boolean>;
  close: () => void;
} {
  // Clients only send empty keep-alive frames: a tiny payload limit costs nothing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const pathPattern = new RegExp(`^${deps.basePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/conversations/([A-Za-z0-9_-]{1,64})/stream$`);

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const conversationId = pathPattern.exec(url.pathname)?.[1];
    if (!conversationId) return false;

    const now = deps.clock.now();
    const credential = url.searchParams.get('t');
    const check = credential ? verifyStreamCredential(deps.secret, credential, now) : undefined;
    if (!check?.ok) {
      reject(socket, check?.reason === 'expired' ? 403 : 401, check?.reason === 'expired' ? 'Forbidden' : 'Unauthorized');
      return true;
    }
    if (check.claims.conversationId !== conversationId) {
      reject(socket, 403, 'Forbidden');
      return true;
    }
    const watermark = watermarkSchema.safeParse(url.searchParams.get('watermark') ?? undefined);
    if (!watermark.success) {
      reject(socket, 400, 'Bad Request');
      return true;
    }
    if (!(await deps.conversations.get(conversationId, now))) {
      reject(socket, 404, 'Not Found');
      return true;
    }
    await new Promise<void>((resolve, rejectAttach) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        deps.streams.attach(ws, conversationId, watermark.data).then(resolve, (error: unknown) => {
          ws.terminate();
          rejectAttach(error instanceof Error ? error : new Error(String(error)));
        });
      });
    });
    return true;
  }

  return {
    handle: async (req, socket, head) => {
      try {
        return await handle(req, socket, head);
      } catch (error) {
        deps.logger.error('direct line stream upgrade failed', { error });
        if (socket.writable) reject(socket, 500, 'Internal Server Error');
        return true;
      }
    },
    close: () => {
      wss.close();
    },
  };
}
