import { type KeyObject, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Server } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { createBotFrameworkAdapter, registerBotFrameworkRoutes } from '../../src/channels/bot-framework/bot-framework-routes';
import { systemClock } from '../../src/clock';
import { loadConfig } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { sendJson, startLocalHttp } from '../handoff/support/local-http';

const appId = '9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** No answer may take longer than this, even when the OpenID metadata cannot be fetched (no internet here). */
const promptMs = 15_000;

const serviceUrl = 'https://smba.trafficmanager.net/amer/';

/** A token shaped like the Bot Connector's. By default signed with a fresh key nobody published. */
function forgedToken(audience = appId, signing: { key: KeyObject; kid: string } = { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, kid: 'forged-key-1' }): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600, iat: now - 60 }, signing.key, { algorithm: 'RS256', keyid: signing.kid, issuer: 'https://api.botframework.com', audience });
}

function activityBody(): string {
  return JSON.stringify({
    type: 'message',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    text: 'menu',
    from: { id: '29:1aBcDeF', name: 'Someone' },
    recipient: { id: `28:${appId}`, name: 'TrialGuide' },
    conversation: { id: 'a:1xYz', conversationType: 'personal', tenantId },
    channelData: { tenant: { id: tenantId } },
    timestamp: new Date().toISOString(),
  });
}

interface Answer {
  status: number;
  text: string;
  elapsedMs: number;
}

describe('POST /api/messages with MicrosoftAppId set', () => {
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-bf-auth-'));
    const config = loadConfig({ DATA_DIR: dataDir, MicrosoftAppId: appId, MicrosoftAppPassword: 'not-a-real-secret-0123456789', MicrosoftAppTenantId: tenantId, MicrosoftAppType: 'SingleTenant' });
    app = await buildApp(config, { logger: createLogger('debug', (line) => logLines.push(line)) });
    baseUrl = `http://127.0.0.1:${await app.start(0)}`;
  });
  afterAll(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(headers: Record<string, string>): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: activityBody(),
      signal: AbortSignal.timeout(promptMs),
    });
    return { status: response.status, text: await response.text(), elapsedMs: performance.now() - started };
  }

  /** The catalogue's shape and nothing of the SDK's: no stack frames, no fetch errors, no host names. */
  function expectCatalogueError(answer: Answer, allowed: number[]): void {
    expect(allowed).toContain(answer.status);
    const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error ?? {}).sort()).toEqual(['code', 'message']);
    expect(typeof body.error?.code).toBe('string');
    expect(typeof body.error?.message).toBe('string');
    expect(answer.text).not.toMatch(/at \w+ \(|node_modules|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|login\.botframework|openid|Unauthorized Access|jwt|token/i);
    expect(answer.elapsedMs).toBeLessThan(promptMs);
  }

  it('answers 401 in the JSON error shape when there is no Authorization header', async () => {
    const answer = await post({});
    expectCatalogueError(answer, [401]);
    expect(JSON.parse(answer.text)).toEqual({ error: { code: 'unauthorized', message: 'Missing or invalid credentials.' } });
  });

  it('rejects a forged Bot Connector token (401 online; offline, where the signing keys cannot be fetched, a prompt generic JSON error)', async () => {
    const answer = await post({ authorization: `Bearer ${forgedToken()}` });
    console.info(`forged token answered ${answer.status} in ${Math.round(answer.elapsedMs)} ms`);
    expectCatalogueError(answer, [401, 500, 502, 503]);
  });

  it('rejects a bearer value that is not a JWT at all, and a token for another audience', async () => {
    for (const authorization of ['Bearer not-a-token', `Bearer ${forgedToken('someone-else')}`, 'Basic dXNlcjpwYXNz']) {
      const answer = await post({ authorization });
      console.info(`${authorization.slice(0, 12)}… answered ${answer.status} in ${Math.round(answer.elapsedMs)} ms`);
      expectCatalogueError(answer, [401, 500, 502, 503]);
    }
  });

  it('ran no turn for any of them: nothing was logged as a turn, and no secret reached the log', () => {
    const text = logLines.join('\n');
    expect(text).not.toContain('turn failed');
    expect(text).not.toContain('not-a-real-secret');
  });
});

/**
 * The same route, with CloudAdapter reading the Bot Connector's signing keys from a local stand-in for
 * login.botframework.com (OpenID configuration + JWKS, as Microsoft publishes them, key endorsed for msteams).
 * Offline this is the only way to see the verdict on a forged signature itself rather than on a failed fetch.
 */
describe('POST /api/messages: forged tokens against published signing keys', () => {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publishedKid = 'published-key-1';
  let openId: Awaited<ReturnType<typeof startLocalHttp>>;
  let app: App;
  let server: Server;
  let baseUrl: string;
  let dataDir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    openId = await startLocalHttp((request, res) => {
      if (request.url === '/v1/.well-known/openidconfiguration') {
        return sendJson(res, 200, { issuer: 'https://api.botframework.com', jwks_uri: `${openId.url}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
      }
      if (request.url === '/v1/.well-known/keys') {
        const jwk = published.publicKey.export({ format: 'jwk' });
        return sendJson(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid: publishedKid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
      }
      sendJson(res, 404, {});
    });
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-bf-openid-'));
    const config = loadConfig({ DATA_DIR: dataDir, MicrosoftAppId: appId, MicrosoftAppPassword: 'not-a-real-secret-0123456789', MicrosoftAppTenantId: tenantId });
    const logger = createLogger('debug', (line) => logLines.push(line));
    app = await buildApp(config, { logger });
    const adapter = createBotFrameworkAdapter(config, {
      ToBotFromChannelOpenIdMetadataUrl: `${openId.url}/v1/.well-known/openidconfiguration`,
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    });
    server = createHttpServer({ config, logger });
    registerBotFrameworkRoutes(server, { config, logger, stores: app.stores, clock: systemClock, ...app.runtime }, adapter);
    baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await close(server);
    await app.stores.close();
    await openId.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function postWith(token: string) {
    const response = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: activityBody(), signal: AbortSignal.timeout(promptMs) });
    return { status: response.status, body: await response.json() };
  }

  it('rejects a token that claims the published key id but was signed with another key, after reading the keys', async () => {
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const answer = await postWith(forgedToken(appId, { key: forger, kid: publishedKid }));
    // botbuilder 4.23.3 rethrows jsonwebtoken's "invalid signature" as a plain Error; the route's
    // StrictBotFrameworkAuthentication turns it into a 401, in the catalogue's words, and no turn runs.
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: { code: 'unauthorized', message: 'Missing or invalid credentials.' } });
    expect(openId.received.map((request) => request.url)).toEqual(['/v1/.well-known/openidconfiguration', '/v1/.well-known/keys']);
    expect(logLines.join('\n')).not.toContain('turn failed');
  });

  it('answers 401 to an unknown key id, and to a correctly signed token for another bot', async () => {
    expect(await postWith(forgedToken())).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'Missing or invalid credentials.' } } });
    expect((await postWith(forgedToken('another-bot', { key: published.privateKey, kid: publishedKid }))).status).toBe(401);
    expect(logLines.join('\n')).not.toContain('turn failed');
  });
});
