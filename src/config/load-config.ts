import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../content/project-root';
import { DomainError } from '../errors/domain-errors';
import { type Environment, environmentSchema } from './schema';
import { type SiteConfig, siteConfigSchema } from './site-schema';

export interface AppConfig {
  readonly env: Readonly<Environment>;
  readonly site: Readonly<SiteConfig>;
  /** The project root: content/, locales/ and public/ are resolved from here. */
  readonly rootDir: string;
}

export class ConfigError extends DomainError {
  constructor(readonly problems: string[]) {
    super('config_invalid', `Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** The project root, found once (src/content/project-root.ts); kept here for the callers that import it from the config. */
export { projectRoot };

/** Treat empty values as unset, as dotenv files and container env blocks often carry `KEY=`. */
function withoutEmptyValues(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));
}

/**
 * Parses the environment once. This is the only module that reads `process.env`; everything else
 * receives the frozen result. A bad value stops startup with one line per bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, rootDir = projectRoot): AppConfig {
  const parsed = environmentSchema.safeParse(withoutEmptyValues(source));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];
  if (env.HANDOFF_WEBHOOK_URL && !env.HANDOFF_WEBHOOK_SECRET) problems.push('HANDOFF_WEBHOOK_SECRET: required when HANDOFF_WEBHOOK_URL is set');
  if (env.SMTP_URL && !env.HANDOFF_EMAIL_TO) problems.push('HANDOFF_EMAIL_TO: required when SMTP_URL is set');
  if (env.DATABASE_URL && !env.DATA_ENCRYPTION_KEY) problems.push('DATA_ENCRYPTION_KEY: required when DATABASE_URL is set (PostgreSQL mode never generates a key)');
  if (env.MicrosoftAppId && !env.MicrosoftAppPassword && env.MicrosoftAppType !== 'UserAssignedMSI') problems.push('MicrosoftAppPassword: required when MicrosoftAppId is set');
  if (env.MicrosoftAppType === 'SingleTenant' && env.MicrosoftAppId && !env.MicrosoftAppTenantId) problems.push('MicrosoftAppTenantId: required for a SingleTenant bot');
  if (env.WECHAT_APP_ID && !env.WECHAT_TOKEN) problems.push('WECHAT_TOKEN: required when WECHAT_APP_ID is set');

  const sitePath = path.resolve(rootDir, env.SITE_CONFIG_PATH);
  let site: SiteConfig | undefined;
  try {
    const siteParsed = siteConfigSchema.safeParse(JSON.parse(readFileSync(sitePath, 'utf8')));
    if (siteParsed.success) site = siteParsed.data;
    else problems.push(...siteParsed.error.issues.map((issue) => `SITE_CONFIG_PATH (${env.SITE_CONFIG_PATH}) ${issue.path.join('.')}: ${issue.message}`));
  } catch (error) {
    problems.push(`SITE_CONFIG_PATH: cannot read ${sitePath} (${(error as Error).message})`);
  }
  if (problems.length > 0 || !site) throw new ConfigError(problems);
  return deepFreeze({ env, site, rootDir });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
