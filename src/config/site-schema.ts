import { z } from 'zod';

/** True when Intl knows the zone: IANA names and their aliases, and 'UTC' (which Intl.supportedValuesOf leaves out). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value }).format(0);
    return value !== '';
  } catch {
    return false;
  }
}

const localized = z.object({ en: z.string().min(1), 'zh-Hans': z.string().min(1), 'zh-Hant': z.string().min(1) });

/**
 * The hospital site's own facts, kept out of code so each site (and its ethics committee) can
 * review and change them: who to call, when, and what the registry said on which day.
 */
export const siteConfigSchema = z.object({
  example: z.boolean().default(false),
  siteName: localized,
  emergencyNumber: z.string().min(2),
  crisisLine: z.object({ number: z.string().min(3), name: localized }),
  coordinator: z.object({ phone: z.string().min(3), email: z.email(), hours: localized }),
  callbackWithinWorkingDays: z.number().int().min(1).max(14),
  /**
   * True when this hospital is one of the study's sites (its ethics committee approved it taking part): "where
   * is the study done?" then says so. FACTS.md lists no sites, so without this the answer says it is not known.
   */
  studySite: z.boolean().default(false),
  /**
   * The hospital's IANA time zone: dates shown to people and staff, and the weeks the funnel counts, are on its
   * calendar. Default Asia/Shanghai (UTC+8, no daylight saving; Hong Kong, Macau and Taiwan share the offset): the
   * calendar the referral dates assumed before the site file could name one. A site elsewhere must set its own.
   */
  timeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone name such as Asia/Shanghai or Asia/Hong_Kong' }).default('Asia/Shanghai'),
  registry: z.object({
    status: z.enum(['not-yet-recruiting', 'recruiting', 'active-not-recruiting', 'completed', 'unknown']),
    checkedOn: z.iso.date(),
  }),
  theme: z.object({ primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/), accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/) }),
});

export type SiteConfig = z.infer<typeof siteConfigSchema>;
