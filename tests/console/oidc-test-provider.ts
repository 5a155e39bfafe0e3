import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The claims a test account gives (through the ID token and UserInfo). */
export interface TestAccount {
  name: string;
  email: string;
  email_verified: boolean;
  groups: string[];
}

export interface TestOidcProvider {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string;
  close(): Promise<void>;
}

/** The part of oidc-provider's API these tests use (the package ships no types). */
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

/**
 * A real OpenID Provider (oidc-provider, the certified implementation) on 127.0.0.1 with its development
 * sign-in and consent pages: one confidential client (client secret, PKCE required) with the redirect
 * URI given, and the accounts given (the login name is the account id; the dev pages take any password).
 */
export async function startTestOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: Record<string, TestAccount>;
  /** How the client authenticates at the token endpoint; the provider then offers only that method. Default client_secret_basic. */
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post';
}): Promise<TestOidcProvider> {
  const clientAuthentication = options.clientAuthentication ?? 'client_secret_basic';
  // ESM-only and untyped: a computed specifier keeps tsc (CommonJS output) from turning this into a require().
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: ProviderConstructor };

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503);
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Its own signing key, so tokens of two test providers never verify with each other's keys.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: clientAuthentication,
      },
    ],
    clientAuthMethods: [clientAuthentication],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['oidc-test-provider-cookie-signing-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    findAccount: (_context: unknown, id: string) => {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  handle = provider.callback();

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface StoredCookie {
  origin: string;
  name: string;
  value: string;
  path: string;
}

export interface AgentResponse {
  url: URL;
  status: number;
  /** The redirect target, resolved against the request URL. */
  location?: URL;
  setCookies: string[];
  body: string;
}

/**
 * A browser in miniature for the sign-in round trip: one cookie jar across the app and the provider (cookies by
 * origin and path), redirects followed one at a time so a test can stop at, or tamper with, any of them.
 */
export class BrowserAgent {
  readonly cookies: StoredCookie[] = [];

  async request(url: URL, form?: Record<string, string>): Promise<AgentResponse> {
    const cookie = this.cookies
      .filter((stored) => stored.origin === url.origin && (url.pathname === stored.path || url.pathname.startsWith(stored.path.endsWith('/') ? stored.path : `${stored.path}/`)))
      .map((stored) => `${stored.name}=${stored.value}`)
      .join('; ');
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.store(url, line);
    const location = response.headers.get('location');
    return { url, status: response.status, ...(location ? { location: new URL(location, url) } : {}), setCookies, body: await response.text() };
  }

  /** Requests `url` and follows redirects until a page answers or the next hop satisfies `stopBefore`. */
  async navigate(url: URL, stopBefore: (next: URL) => boolean = () => false, form?: Record<string, string>): Promise<{ page?: AgentResponse; stoppedAt?: URL }> {
    let response = await this.request(url, form);
    for (let hops = 0; hops < 20; hops += 1) {
      if (response.status < 300 || response.status >= 400 || !response.location) return { page: response };
      if (stopBefore(response.location)) return { stoppedAt: response.location };
      response = await this.request(response.location);
    }
    throw new Error(`more than 20 redirects from ${url.href}`);
  }

  cookie(origin: string, name: string): string | undefined {
    return this.cookies.find((stored) => stored.origin === origin && stored.name === name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path: string): void {
    this.store(new URL(origin), `${name}=${value}; Path=${path}`);
  }

  private store(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    const name = pair.slice(0, index);
    const value = pair.slice(index + 1);
    const path = attributes.find((attribute) => /^path=/i.test(attribute))?.slice(5) || '/';
    const expired = attributes.some((attribute) => /^max-age=0$/i.test(attribute) || (/^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) < Date.now()));
    const existing = this.cookies.findIndex((stored) => stored.origin === url.origin && stored.name === name && stored.path === path);
    if (existing >= 0) this.cookies.splice(existing, 1);
    if (!expired && value !== '') this.cookies.push({ origin: url.origin, name, value, path });
  }
}

/**
 * Goes through the provider's sign-in and consent pages as `login` (from its authorization URL) and returns the
 * URL the provider then sends the browser to (the app's callback), without requesting it.
 */
export async function signInAtProvider(agent: BrowserAgent, authorizationUrl: URL, login: string, callbackPrefix: string): Promise<URL> {
  const isCallback = (next: URL) => next.href.startsWith(callbackPrefix);
  let step = await agent.navigate(authorizationUrl, isCallback);
  for (let round = 0; round < 5; round += 1) {
    if (step.stoppedAt) return step.stoppedAt;
    const page = step.page;
    if (!page || page.status !== 200) throw new Error(`the provider answered ${page?.status ?? 'nothing'} at ${page?.url.href ?? '?'}: ${page?.body.slice(0, 300) ?? ''}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    const prompt = /name="prompt" value="(\w+)"/.exec(page.body)?.[1];
    if (!action || !prompt) throw new Error(`no form on the provider's page ${page.url.href}`);
    const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any password: the development pages do not check it' } : { prompt };
    step = await agent.navigate(new URL(action, page.url), isCallback, form);
  }
  throw new Error('the provider did not send the browser back after five pages');
}

/** The provider's "cancel" link on its sign-in page: the browser comes back with error=access_denied. */
export async function cancelAtProvider(agent: BrowserAgent, authorizationUrl: URL, callbackPrefix: string): Promise<URL> {
  const isCallback = (next: URL) => next.href.startsWith(callbackPrefix);
  const step = await agent.navigate(authorizationUrl, isCallback);
  const page = step.page;
  const abort = page ? /<a href="([^"]+\/abort)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') : undefined;
  if (!page || !abort) throw new Error('no cancel link on the provider\'s sign-in page');
  const back = await agent.navigate(new URL(abort, page.url), isCallback);
  if (!back.stoppedAt) throw new Error('cancelling did not send the browser back');
  return back.stoppedAt;
}
