import type { SiteConfig } from '../config/site-schema';

/**
 * The zone the funnel's weeks are counted in: the site file's `timeZone` (an IANA name such as
 * 'Asia/Hong_Kong') once its schema has one, else UTC. The recorder and the console page both read it here,
 * so a week means the same on both sides.
 */
export function funnelTimeZone(site: SiteConfig): string {
  const zone = (site as SiteConfig & { timeZone?: unknown }).timeZone;
  return typeof zone === 'string' && zone !== '' ? zone : 'UTC';
}
