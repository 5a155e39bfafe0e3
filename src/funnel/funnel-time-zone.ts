import type { SiteConfig } from '../config/site-schema';

/**
 * The zone the funnel's weeks and dates are counted in: the site file's `timeZone` (an IANA name such as
 * 'Asia/Hong_Kong'). The recorder and the console page both read it here, so a week means the same on both sides.
 */
export function funnelTimeZone(site: Pick<SiteConfig, 'timeZone'>): string {
  return site.timeZone;
}
