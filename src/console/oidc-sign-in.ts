import type * as OpenIdClient from 'openid-client' with { 'resolution-mode': 'import' };
import { type AppConfig, ConfigError } from '../config/load-config';

/** Who signed in through the hospital's identity provider: the console session's identity. */
export interface OidcIdentity {
  kind: 'oidc';
  /** The provider's `sub` claim: stable for the person at that provider. */
  subject: string;
  /** For the console's header and the audit trail: name, else preferred_username, else email, else sub. */
  displayName: string;
}

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUri: URL;
  scopes: string;
  /** When not empty, the person's `groups` claim must name one of these. */
  allowedGroups: readonly string[];
  /** When not empty, the person's email must be in one of these domains (and not marked unverified). */
  allowedEmailDomains: readonly string[];
}

/** What the browser's round trip to the provider must bring back: kept server-side, never in the browser. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * Why a sign-in did not end in a session. Each reason has its own page text (locales/<locale>/console-oidc.json
 * → errors.<reason>); none of them reveals what exactly failed to the browser, the log says it without personal data.
 *  - unavailable: the provider could not be reached or its discovery document is unusable
 *  - expired: no sign-in in progress for this browser (cookie missing, too old, or already used)
 *  - rejected: the provider's answer did not verify (state, issuer, code, ID token, nonce)
 *  - cancelled: the provider reported an error (the person cancelled or the provider refused)
 *  - not_allowed: verified, but the person is outside OIDC_ALLOWED_GROUPS / OIDC_ALLOWED_EMAIL_DOMAINS
 */
export type OidcFailureReason = 'unavailable' | 'expired' | 'rejected' | 'cancelled' | 'not_allowed';

export class OidcSignInError extends Error {
  constructor(
    readonly reason: OidcFailureReason,
    /** For the log: an error code or a short cause, never a claim value. */
    readonly detail: string,
  ) {
    super(`OIDC sign-in failed (${reason}): ${detail}`);
    this.name = 'OidcSignInError';
  }
}

export interface OidcSignIn {
  readonly settings: OidcSettings;
  /** The provider's authorization URL for a new sign-in, and what its answer must match. */
  begin(): Promise<{ authorizationUrl: URL; pending: PendingSignIn }>;
  /** Verifies the provider's answer (the callback URL as the browser requested it); throws `OidcSignInError`. */
  complete(callbackUrl: URL, pending: PendingSignIn): Promise<OidcIdentity>;
}

export const oidcCallbackPath = '/console/oidc/callback';

const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * OIDC settings from the environment, or undefined when single sign-on is off (no OIDC_ISSUER). Throws a
 * ConfigError at startup when it is half configured, so a typo never leaves the console silently without SSO.
 */
export function oidcSettingsFrom(config: AppConfig): OidcSettings | undefined {
  const env = config.env;
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = env;
  if (!issuer) {
    if (clientId || clientSecret) throw new ConfigError(['OIDC_ISSUER: required when OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set']);
    return undefined;
  }
  const problems = [
    ...(clientId ? [] : ['OIDC_CLIENT_ID: required when OIDC_ISSUER is set']),
    ...(clientSecret ? [] : ['OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set']),
  ];
  const redirectUri = new URL(env.OIDC_REDIRECT_URL ?? new URL(oidcCallbackPath.slice(1), withTrailingSlash(env.PUBLIC_BASE_URL)).href);
  // A reverse proxy may add a prefix in front, but the browser must reach this app's callback route.
  if (!redirectUri.pathname.endsWith(oidcCallbackPath)) problems.push(`OIDC_REDIRECT_URL: must end with ${oidcCallbackPath}`);
  if (problems.length > 0 || !clientId || !clientSecret) throw new ConfigError(problems);
  return {
    issuer: new URL(issuer),
    clientId,
    clientSecret,
    redirectUri,
    scopes: env.OIDC_SCOPES,
    allowedGroups: listOf(env.OIDC_ALLOWED_GROUPS),
    allowedEmailDomains: listOf(env.OIDC_ALLOWED_EMAIL_DOMAINS).map((domain) => domain.replace(/^@/, '').toLowerCase()),
  };
}

function withTrailingSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

/** Plain HTTP is accepted only for a provider on this machine (a loopback test or a local proxy). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Authorization code flow with PKCE, state and nonce (openid-client does every check: issuer, `iss` in the
 * response, state, code exchange, ID token signature, audience, expiry and nonce). The discovery document is
 * fetched at the first sign-in, not at startup, so the console starts while the provider is down; a failed
 * discovery is retried at the next sign-in.
 */
export function createOidcSignIn(settings: OidcSettings): OidcSignIn {
  let configuration: Promise<OpenIdClient.Configuration> | undefined;
  // openid-client is ESM-only; a dynamic import loads it from this CommonJS build.
  const library = import('openid-client');

  const discover = async (): Promise<OpenIdClient.Configuration> => {
    const client = await library;
    configuration ??= client
      .discovery(settings.issuer, settings.clientId, { redirect_uris: [settings.redirectUri.href] }, clientSecretAuthentication(client, settings.clientSecret), {
        timeout: 10,
        execute: isLoopbackHttp(settings.issuer) ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw new OidcSignInError('unavailable', codeOf(error));
      });
    return configuration;
  };

  return {
    settings,
    async begin() {
      const client = await library;
      const config = await discover();
      const pending: PendingSignIn = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri.href,
        scope: settings.scopes,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { authorizationUrl, pending };
    },

    async complete(callbackUrl, pending) {
      const client = await library;
      const config = await discover();
      // The browser reached us at PUBLIC_BASE_URL (perhaps through a proxy): the redirect_uri is what the provider compares.
      const currentUrl = new URL(settings.redirectUri.href);
      currentUrl.search = callbackUrl.search;
      if (currentUrl.searchParams.has('error')) {
        // The provider's error code (access_denied, login_required…); anything else in that parameter is not logged.
        const code = currentUrl.searchParams.get('error') ?? '';
        throw new OidcSignInError('cancelled', /^[a-z_]{1,64}$/.test(code) ? code : 'error');
      }

      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, currentUrl, {
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          pkceCodeVerifier: pending.codeVerifier,
          idTokenExpected: true,
        });
      } catch (error) {
        throw new OidcSignInError(isNetworkError(error) ? 'unavailable' : 'rejected', codeOf(error));
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new OidcSignInError('rejected', 'no ID token');

      // Most providers put profile, email and group claims in the UserInfo response rather than the ID token.
      let userInfo: Record<string, unknown> = {};
      try {
        if (config.serverMetadata().userinfo_endpoint) userInfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (error) {
        if (isNetworkError(error)) throw new OidcSignInError('unavailable', codeOf(error));
        throw new OidcSignInError('rejected', `userinfo: ${codeOf(error)}`);
      }
      // The ID token's claims are signed: they win where both answer.
      const claims: Record<string, unknown> = { ...userInfo, ...idClaims };
      const refusal = allowListRefusal(settings, claims);
      if (refusal) throw new OidcSignInError('not_allowed', refusal);
      return { kind: 'oidc', subject: idClaims.sub, displayName: displayNameOf(claims) };
    },
  };
}

/**
 * client_secret_basic, the method every provider must support when its metadata names none (OpenID Connect
 * Discovery); client_secret_post when the provider lists only that.
 */
function clientSecretAuthentication(client: typeof OpenIdClient, secret: string): OpenIdClient.ClientAuth {
  const basic = client.ClientSecretBasic(secret);
  const post = client.ClientSecretPost(secret);
  return (server, metadata, body, headers) => {
    const methods = server.token_endpoint_auth_methods_supported;
    const usePost = Array.isArray(methods) && !methods.includes('client_secret_basic') && methods.includes('client_secret_post');
    (usePost ? post : basic)(server, metadata, body, headers);
  };
}

/** Why the allow-list refuses these claims (a reason without claim values), or undefined when it lets them in. */
export function allowListRefusal(settings: Pick<OidcSettings, 'allowedGroups' | 'allowedEmailDomains'>, claims: Record<string, unknown>): string | undefined {
  if (settings.allowedGroups.length > 0) {
    const groups = Array.isArray(claims.groups) ? claims.groups.filter((group): group is string => typeof group === 'string') : [];
    if (!groups.some((group) => settings.allowedGroups.includes(group))) return groups.length === 0 ? 'no groups claim' : 'no allowed group';
  }
  if (settings.allowedEmailDomains.length > 0) {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email) return 'no email claim';
    // A provider that says the address is unverified does not vouch for its domain.
    if (claims.email_verified === false) return 'email not verified';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!email.includes('@') || !settings.allowedEmailDomains.includes(domain)) return 'email domain not allowed';
  }
  return undefined;
}

function displayNameOf(claims: Record<string, unknown>): string {
  for (const key of ['name', 'preferred_username', 'email', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 200);
  }
  return 'unknown';
}

/** openid-client's error code (OAUTH_*, or the provider's `error`), never a message that could quote a claim. */
function codeOf(error: unknown): string {
  if (error instanceof OidcSignInError) return error.detail;
  const { code, error: oauthError, name, cause } = (error ?? {}) as { code?: unknown; error?: unknown; name?: unknown; cause?: unknown };
  const parts = [code, oauthError].filter((part): part is string => typeof part === 'string');
  if (parts.length === 0 && typeof name === 'string') parts.push(name);
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string') parts.push(causeCode);
  return parts.join(' ').slice(0, 120) || 'unknown';
}

/** fetch() failed before any answer (refused, timed out, DNS): the provider is unreachable, not wrong. */
function isNetworkError(error: unknown): boolean {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  return error instanceof TypeError && cause !== undefined;
}
