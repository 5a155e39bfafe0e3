import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Clock } from '../../../clock';
import type { Logger } from '../../../logger';
import { verifyStreamCredential } from '../../../security/directline-token';
import type { KeyValueStore } from '../../../storage/ports';
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
  /** Shared across instances: where used stream URLs are remembered until their credential expires. */
  keyValue: KeyValueStore;
}

const nonceTag = (secret: string, credential: string, nonce: string): Buffer =>
  createHmac('sha256', secret).update(`directline-stream-nonce\n${credential}\n${nonce}`, 'utf8').digest();

/**
 * `<random>.<tag>` for a stream URL's `n` parameter: the tag binds the random part to the credential, so a URL's
 * holder cannot mint a fresh, unused variant of it by changing `n`.
 */
export function streamNonce(secret: string, credential: string): string {
  const nonce = randomBytes(12).toString('base64url');
  return `${nonce}.${nonceTag(secret, credential, nonce).toString('base64url')}`;
}

function validNonce(secret: string, credential: string, presented: string | null): presented is string {
  const [nonce, tag, ...rest] = (presented ?? '').split('.');
  if (!nonce || !tag || rest.length > 0) return false;
  const expected = nonceTag(secret, credential, nonce);
  const given = Buffer.from(tag, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const reasons = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' } as const;

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

  /** Refuses before the handshake; the log names the code, never the URL (it holds the conversation id). */
  function reject(socket: Duplex, status: keyof typeof reasons, code: string): void {
    deps.logger.info('direct line stream refused', { status, code });
    socket.end(`HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const conversationId = pathPattern.exec(url.pathname)?.[1];
    if (!conversationId) return false;

    const now = deps.clock.now();
    const credential = url.searchParams.get('t');
    const check = credential ? verifyStreamCredential(deps.secret, credential, now) : undefined;
    if (!credential || !check?.ok) {
      if (check && !check.ok && check.reason === 'expired') reject(socket, 403, 'TokenExpired');
      else reject(socket, 401, 'unauthorized');
      return true;
    }
    if (check.claims.conversationId !== conversationId) {
      reject(socket, 403, 'forbidden');
      return true;
    }
    const nonce = url.searchParams.get('n');
    if (!validNonce(deps.secret, credential, nonce)) {
      reject(socket, 401, 'unauthorized');
      return true;
    }
    const watermark = watermarkSchema.safeParse(url.searchParams.get('watermark') ?? undefined);
    if (!watermark.success) {
      reject(socket, 400, 'bad_request');
      return true;
    }
    if (!(await deps.conversations.get(conversationId, now))) {
      reject(socket, 404, 'not_found');
      return true;
    }
    // Single use, across instances: the first socket claims the URL until its credential expires.
    const used = `directline-stream-used:${createHash('sha256').update(`${credential}\n${nonce}`, 'utf8').digest('base64url')}`;
    if (!(await deps.keyValue.setIfAbsent(used, '1', new Date(check.claims.expiresAt * 1000)))) {
      reject(socket, 403, 'stream_used');
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
        deps.logger.error('direct line stream upgrade failed', { code: 'internal', error });
        if (socket.writable) reject(socket, 500, 'internal');
        return true;
      }
    },
    close: () => {
      wss.close();
    },
  };
}
