import { createHash } from 'node:crypto';

/** Used when MicrosoftAppId is unset, so the package still builds (and validates) for a look at it. */
export const placeholderBotId = '00000000-0000-0000-0000-000000000000';

/** The manifest schema the template is written for; Developer Portal accepted it in 2026. */
export const manifestVersion = '1.22';

export interface ManifestInputs {
  /** MicrosoftAppId of the Azure Bot registration. */
  botId?: string;
  /** package.json version: Teams only takes an upload whose version is higher than the installed one. */
  version: string;
  publicBaseUrl: string;
  /** The hospital's name: the manifest's developer name (at most 32 characters). */
  developerName: string;
  /** #rrggbb, the site theme's primary colour. */
  accentColor: string;
}

const developerNameMax = 32;

/**
 * The Teams app id must stay the same across versions (an upload with a new id is a different app), and
 * differ between hospitals sharing a tenant: derived from the bot's app id, it does both with nothing to store.
 */
export function teamsAppIdFor(botId: string): string {
  const hex = createHash('sha256').update(`trialguide-teams-app:${botId.toLowerCase()}`).digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Replaces every `{{name}}` in the template's strings; an unknown name is a template error, not an empty string. */
export function fillTemplate(template: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof template === 'string') {
    return template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`teams manifest template: unknown placeholder {{${name}}}`);
      return value;
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, values));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([key, inner]) => [key, fillTemplate(inner, values)]));
  return template;
}

export interface BuiltManifest {
  manifest: Record<string, unknown>;
  /** Things to fix before uploading to a real tenant; the package is still written. */
  warnings: string[];
}

export function buildManifest(template: unknown, inputs: ManifestInputs): BuiltManifest {
  const warnings: string[] = [];
  const botId = inputs.botId ?? placeholderBotId;
  if (!inputs.botId) warnings.push(`MicrosoftAppId is not set: bots[0].botId is the placeholder ${placeholderBotId}; Teams will not reach the bot with it.`);
  const base = new URL(inputs.publicBaseUrl);
  if (base.protocol !== 'https:') warnings.push(`PUBLIC_BASE_URL (${base.origin}) is not https: Teams requires https for the developer URLs and the bot endpoint.`);
  if (['localhost', '127.0.0.1', '[::1]'].includes(base.hostname)) warnings.push('PUBLIC_BASE_URL points at this machine: validDomains and the developer URLs will not work for anyone else.');
  let developerName = inputs.developerName;
  if (developerName.length > developerNameMax) {
    developerName = `${developerName.slice(0, developerNameMax - 1)}…`;
    warnings.push(`The hospital name is longer than ${developerNameMax} characters: shortened to "${developerName}" as the manifest's developer name.`);
  }
  const manifest = fillTemplate(template, {
    version: inputs.version,
    teamsAppId: teamsAppIdFor(botId),
    botId,
    developerName,
    publicBaseUrl: inputs.publicBaseUrl.replace(/\/+$/, ''),
    accentColor: inputs.accentColor,
    validDomain: base.host,
  }) as Record<string, unknown>;
  return { manifest, warnings };
}
