import { isIP } from 'node:net';

/**
 * Where the bot may POST its replies. A Bot Framework activity names its own `serviceUrl` and the bot sends
 * every reply there (with its Azure token when auth is on), so an unchecked one makes the bot a blind proxy to
 * internal addresses and can hand the token to a stranger.
 */

/**
 * Microsoft's Bot Connector hosts (Azure Bot Service channels and Teams), exactly or as a suffix. Sources:
 * botframework-connector's own constants (api/token/login.botframework.com, *.botframework.azure.us) and
 * Microsoft's Teams service URLs (smba.trafficmanager.net/{region}/ for the public cloud — the region is a path,
 * e.g. /amer/, /emea/, /apac/, /teams/ — and smba.infra.* for GCC, GCC High and DoD).
 * Deliberately NOT `*.trafficmanager.net`: any Azure customer can create a Traffic Manager name pointing anywhere.
 */
export const microsoftConnectorHosts = {
  exact: ['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com', 'smba.infra.gov.teams.microsoft.us', 'smba.infra.dod.teams.microsoft.us'],
  suffixes: ['.botframework.com', '.botframework.us', '.botframework.azure.us', '.botframework.azure.cn'],
} as const;

function parse(serviceUrl: unknown): URL | undefined {
  if (typeof serviceUrl !== 'string' || serviceUrl.length === 0 || serviceUrl.length > 2048) return undefined;
  try {
    return new URL(serviceUrl);
  } catch {
    return undefined;
  }
}

/** https on the default port, to one of Microsoft's connector hosts. */
export function isMicrosoftConnectorUrl(serviceUrl: unknown): boolean {
  const url = parse(serviceUrl);
  if (!url || url.protocol !== 'https:' || url.port !== '' || url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  return microsoftConnectorHosts.exact.some((exact) => host === exact) || microsoftConnectorHosts.suffixes.some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
}

/**
 * A loopback address as written: 127.0.0.0/8, ::1 (also IPv4-mapped) or the name localhost. Not 0.0.0.0
 * (which reaches this host too, but is no address an Emulator hands out). The WHATWG parser has already turned
 * decimal, octal and hex IPv4 spellings into dotted form.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
    if (mapped) return mapped.startsWith('127.');
    // The parser writes mapped addresses in hex: ::ffff:7f00:1 is 127.0.0.1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
}

/** http(s) to a loopback host: where the Bot Framework Emulator on this machine listens. */
export function isLoopbackServiceUrl(serviceUrl: unknown): boolean {
  const url = parse(serviceUrl);
  return Boolean(url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && isLoopbackHost(url.hostname));
}

/** The address a request came from, as written by the socket (IPv4-mapped IPv6 unwrapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  return typeof address === 'string' && isIP(address.replace(/^::ffff:/, '')) !== 0 && isLoopbackHost(address);
}
