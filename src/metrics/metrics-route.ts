import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, Response, Server } from 'restify';
import type { Logger } from '../logger';
import { errorBody } from '../http/error-catalogue';
import type { AppMetrics } from './app-metrics';

export interface MetricsRouteOptions {
  metrics: Pick<AppMetrics, 'scrape'>;
  logger: Logger;
  /** METRICS_TOKEN: when set, a scrape needs `Authorization: Bearer <token>` from any address. */
  token?: string;
}

/**
 * `GET /metrics` in Prometheus text format. With METRICS_TOKEN set, only a matching Bearer token gets in.
 * Without it, only a scraper on this machine or the private network does: the connection must come from a
 * loopback or private address, and so must every address in X-Forwarded-For / Forwarded — a request the
 * hospital's reverse proxy forwarded from the internet names a public address there and is refused, so
 * putting the app behind a proxy does not publish its metrics.
 */
export function registerMetricsRoute(server: Server, { metrics, logger, token }: MetricsRouteOptions): void {
  const expected = token === undefined ? undefined : digest(token);
  server.get('/metrics', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    if (expected) {
      const presented = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.send(401, errorBody('unauthorized'));
        return;
      }
    } else if (!fromPrivateNetwork(req)) {
      res.send(403, errorBody('forbidden'));
      return;
    }
    try {
      const { contentType, body } = await metrics.scrape();
      res.setHeader('Content-Type', contentType);
      res.sendRaw(200, body);
    } catch (error) {
      logger.error('metrics scrape failed', { error });
      res.send(500, errorBody('internal'));
    }
  });
}

/** Equal-length inputs for timingSafeEqual, whatever the token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function fromPrivateNetwork(req: Request): boolean {
  const addresses = [req.socket?.remoteAddress ?? '', ...forwardedAddresses(req)];
  return addresses.every(isPrivateAddress);
}

/** Every address a proxy recorded; an unreadable entry counts as public (it is refused). */
function forwardedAddresses(req: Request): string[] {
  const forwardedFor = (req.header('x-forwarded-for') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const forwarded = [...(req.header('forwarded') ?? '').matchAll(/for=("?)\[?([^\]";,]+)\]?(?::\d+)?\1/gi)].map((match) => match[2] ?? '');
  const real = req.header('x-real-ip')?.trim();
  return [...forwardedFor, ...forwarded, ...(real ? [real] : [])];
}

/** Loopback, RFC 1918, carrier-grade NAT, link-local, and IPv6 unique-local / link-local (IPv4-mapped included). */
export function isPrivateAddress(raw: string): boolean {
  const address = raw.toLowerCase().startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw.toLowerCase();
  const version = isIP(address);
  if (version === 4) {
    const [a = -1, b = -1] = address.split('.').map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  if (version === 6) {
    const [zoneless = ''] = address.split('%');
    return zoneless === '::1' || /^f[cd][0-9a-f]{2}:/.test(zoneless) || /^fe[89ab][0-9a-f]:/.test(zoneless);
  }
  return false;
}
