import { z } from 'zod';

/** Environment variables are strings; an empty string means "not set". */
const optionalString = z.string().trim().min(1).optional();
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const url = z.url().optional();

/**
 * The one schema for the process environment. Every key has a default that runs with no .env
 * (embedded storage, auth off, demo site), so `npm start` works on a fresh clone.
 */
export const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PUBLIC_BASE_URL: z.url().default('http://localhost:3978'),
  MAX_BODY_BYTES: positiveInt(64 * 1024),
  /** Behind the hospital's reverse proxy: take the client address from the last X-Forwarded-For entry. */
  TRUST_PROXY: flag(false),
  /** Bearer token for GET /metrics; unset: /metrics answers only loopback and private-network scrapers. */
  METRICS_TOKEN: z.string().trim().min(24, 'must be at least 24 characters').optional(),

  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
  MicrosoftAppTenantId: optionalString,
  /**
   * UNSAFE. With no MicrosoftAppId, /api/messages accepts only the local Bot Framework Emulator; true lets any
   * channel id, user id and serviceUrl in without a token (isolated test rigs only).
   */
  ALLOW_UNAUTHENTICATED_CHANNELS: flag(false),

  SITE_CONFIG_PATH: z.string().trim().min(1).default('content/site.example.json'),
  /** Refuse to start unless content/approved.json approves this content version (src/content/content-approval.ts). */
  REQUIRE_APPROVED_CONTENT: flag(false),
  /** Where `npm run content:export` writes the ethics-review export (HTML and Markdown). */
  EXPORT_DIR: z.string().trim().min(1).default('./export'),

  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL: how long to wait for a connection or a statement before giving up (a hung server must not hang the bot). */
  DATABASE_TIMEOUT_SECONDS: positiveInt(10),
  DATA_ENCRYPTION_KEY: z
    .string()
    .trim()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  REFERRAL_RETENTION_DAYS: positiveInt(180),
  /** Chat state of conversations idle this long is deleted (it may hold a half-finished hand-off). */
  CHAT_STATE_RETENTION_DAYS: positiveInt(30),

  COORDINATOR_API_TOKENS: z
    .string()
    .trim()
    .regex(/^[\w.-]+:\S{24,}(,[\w.-]+:\S{24,})*$/, 'must be name:token pairs separated by commas, each token at least 24 characters')
    .optional(),
  /** Coordinators' console (/console): a session unused this many minutes ends (sign in again). */
  CONSOLE_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** How often an open console list asks the server for new referrals. */
  CONSOLE_POLL_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  /**
   * Console single sign-on (OpenID Connect, authorization code + PKCE): the provider's issuer URL. HTTPS, or
   * plain HTTP only on this machine (localhost / 127.0.0.1 / [::1]). Unset: local coordinator accounts only.
   */
  OIDC_ISSUER: z
    .url()
    .refine((value) => {
      const parsed = new URL(value);
      return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname));
    }, 'must be an https:// URL (http:// only for localhost)')
    .optional(),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  /** Where the provider sends the browser back; default PUBLIC_BASE_URL + /console/oidc/callback. */
  OIDC_REDIRECT_URL: url,
  OIDC_SCOPES: z.string().trim().regex(/(^|\s)openid(\s|$)/, 'must include openid').default('openid email profile'),
  /** Comma-separated: only people whose `groups` claim names one of these may sign in. Unset: no group check. */
  OIDC_ALLOWED_GROUPS: optionalString,
  /** Comma-separated: only people whose email is in one of these domains may sign in. Unset: no domain check. */
  OIDC_ALLOWED_EMAIL_DOMAINS: optionalString,

  HANDOFF_WEBHOOK_URL: url,
  HANDOFF_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  HANDOFF_WEBHOOK_INCLUDE_CONTACT: flag(false),
  SMTP_URL: z.string().trim().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  HANDOFF_EMAIL_TO: z.email().optional(),
  HANDOFF_EMAIL_FROM: z.email().default('trialguide@localhost'),
  WECOM_WEBHOOK_URL: url,
  TEAMS_WEBHOOK_URL: url,
  /** Announce new referrals in the coordinators' Teams channel where the app is installed (needs MicrosoftAppId). */
  TEAMS_CHANNEL_NOTIFICATIONS: flag(false),
  /** First retry delay of a failed notification; later ones double (with jitter) up to an hour. */
  OUTBOX_RETRY_BASE_SECONDS: positiveInt(30),
  /** How often the delivery worker looks for due notifications when nothing nudged it. */
  OUTBOX_POLL_SECONDS: positiveInt(5),
  /** How long a claimed notification is reserved for one worker; a crashed worker's claims free up after it. */
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(2).default(120),

  DIRECTLINE_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
  DIRECTLINE_TOKEN_TTL_SECONDS: positiveInt(1800),
  AZURE_DIRECTLINE_SECRET: optionalString,
  WEB_ALLOWED_ORIGINS: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value.split(',').map((origin) => origin.trim()).filter(Boolean) : [])),

  WECHAT_TOKEN: optionalString,
  WECHAT_APP_ID: optionalString,
  WECHAT_APP_SECRET: optionalString,
  WECHAT_ENCODING_AES_KEY: z.string().trim().length(43, 'must be the 43-character EncodingAESKey').optional(),
  WECHAT_API_BASE: z.url().default('https://api.weixin.qq.com'),
  WECHAT_MENU_LANGUAGE: z.enum(['zh-Hans', 'zh-Hant', 'en']).default('zh-Hans'),
});

export type Environment = z.infer<typeof environmentSchema>;
