import { isIPv6 } from 'node:net';
import type { Request } from 'restify';

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests still allowed in the current window (0 when refused). */
  remaining: number;
  /** Whole seconds until the window resets; what a 429's Retry-After says. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one request for `key` at `now` and says whether it may go ahead. */
  hit(key: string, now: Date): RateLimitDecision;
}

export interface FixedWindowOptions {
  /** Requests allowed per key in one window. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; bounds memory when many addresses pass by. */
  maxKeys?: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A fixed-window counter per key, in memory: each instance of the app counts on its own, so N instances allow
 * N times the limit. Good enough to stop one client from minting tokens in a loop; a shared limit would need the
 * shared store.
 */
export function createFixedWindowRateLimiter({ limit, windowMs, maxKeys = 10_000 }: FixedWindowOptions): RateLimiter {
  const windows = new Map<string, Window>();

  const forgetExpired = (now: number): void => {
    for (const [key, window] of windows) if (now - window.startedAt >= windowMs) windows.delete(key);
    // Still full of live windows (a flood of distinct addresses): drop the oldest, which Map keeps first.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  };

  return {
    hit(key, at) {
      const now = at.getTime();
      let window = windows.get(key);
      if (!window || now - window.startedAt >= windowMs) {
        if (!window && windows.size >= maxKeys) forgetExpired(now);
        windows.delete(key);
        window = { startedAt: now, count: 0 };
        windows.set(key, window);
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
      if (window.count >= limit) return { allowed: false, remaining: 0, retryAfterSeconds };
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, retryAfterSeconds };
    },
  };
}

/**
 * The key a client is counted under: its socket address. IPv4-mapped IPv6 is unwrapped; IPv6 counts per /64,
 * because one household or phone gets a whole /64 and can pick any address in it. X-Forwarded-For is NOT read:
 * anyone can write it, so behind a reverse proxy every client shares the proxy's count.
 */
export function clientAddressKey(req: Request, trustProxy = false): string {
  // Behind the hospital's own reverse proxy (TRUST_PROXY=true) the proxy appends the address it saw as the
  // last X-Forwarded-For entry; earlier entries are whatever the client sent, so they are never used.
  const forwarded = trustProxy ? req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  const raw = forwarded || (req.socket?.remoteAddress ?? 'unknown');
  const address = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** Eight hex groups for any valid IPv6 text form (`::` expanded, zone id dropped). */
function expandIPv6(address: string): string[] {
  const [withoutZone = ''] = address.split('%');
  const [head = '', tail] = withoutZone.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
  return [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * Where a channel that knows its client's address (Direct Line: the browser's HTTP request) puts
 * `clientAddressKey(...)` in a turn's state, so per-client limits reach the dialogs' services.
 */
export const clientAddressTurnStateKey = Symbol.for('trialguide.clientAddress');

/** The client address key a channel put in this turn's state; undefined where only a service calls (WeChat, Bot Framework). */
export function clientAddressOf(context: { turnState: Map<unknown, unknown> }): string | undefined {
  const address: unknown = context.turnState.get(clientAddressTurnStateKey);
  return typeof address === 'string' ? address : undefined;
}
