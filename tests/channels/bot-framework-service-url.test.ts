import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Server } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app';
import { createBotFrameworkAdapter, registerBotFrameworkRoutes } from '../../src/channels/bot-framework/bot-framework-routes';
import { isLoopbackServiceUrl, isMicrosoftConnectorUrl } from '../../src/channels/bot-framework/service-url-policy';
import { systemClock } from '../../src/clock';
import { loadConfig } from '../../src/config/load-config';
import { close, createHttpServer, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { startRecordingServer } from '../support/http';
import { sendJson, startLocalHttp } from '../handoff/support/local-http';

/**
 * Issue 8, finding 1 with auth on: the activity names the URL the bot POSTs its replies to (with its Azure
 * token). It must be the one the Bot Connector signed into the token (`serviceurl` claim) and one of
 * Microsoft's connector hosts, so a token can never steer the bot to an internal address.
 *
 * Tokens are signed locally against a stand-in for login.botframework.com's OpenID configuration and keys;
 * the bot's own outbound token endpoint points at a closed loopback port, so nothing leaves this machine.
 */
const appId = '9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const teamsAmer = 'https://smba.trafficmanager.net/amer/';
const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'published-key-1';

/** A Bot Connector channel token (issuer api.botframework.com, audience the bot), signed with the published key. */
function channelToken(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ nbf: now - 60, exp: now + 3600, iat: now - 60, ...claims }, published.privateKey, { algorithm: 'RS256', keyid: kid, issuer: 'https://api.botframework.com', audience: appId });
}

/** An Entra (AAD) v1 token for the bot's own app id, as the Emulator sends when given the app's credentials. */
function emulatorStyleToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ nbf: now - 60, exp: now + 3600, iat: now - 60, ver: '1.0', appid: appId }, published.privateKey, { algorithm: 'RS256', keyid: kid, issuer: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', audience: appId });
}

function activity(serviceUrl: string): Record<string, unknown> {
  return {
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
  };
}

describe('POST /api/messages with MicrosoftAppId set: where replies may go', () => {
  let openId: Awaited<ReturnType<typeof startLocalHttp>>;
  let capture: Awaited<ReturnType<typeof startRecordingServer>>;
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
        return sendJson(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
      }
      sendJson(res, 404, {});
    });
    capture = await startRecordingServer(() => ({ status: 200, body: { id: 'captured' } }));
    dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-bf-serviceurl-'));
    const config = loadConfig({ DATA_DIR: dataDir, MicrosoftAppId: appId, MicrosoftAppPassword: 'not-a-real-secret-0123456789', MicrosoftAppTenantId: tenantId });
    const logger = createLogger('debug', (line) => logLines.push(line));
    app = await buildApp(config, { logger });
    const adapter = createBotFrameworkAdapter(config, {
      ToBotFromChannelOpenIdMetadataUrl: `${openId.url}/v1/.well-known/openidconfiguration`,
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToBotFromEmulatorOpenIdMetadataUrl: `${openId.url}/v1/.well-known/openidconfiguration`,
      // Where the bot would fetch its own outbound token: a closed loopback port.
      ToChannelFromBotLoginUrl: 'https://127.0.0.1:9/',
    });
    server = createHttpServer({ config, logger });
    registerBotFrameworkRoutes(server, { config, logger, stores: app.stores, clock: systemClock, ...app.runtime }, adapter);
    baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    if (server) await close(server);
    await app?.stores.close();
    await openId?.close();
    await capture?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(token: string, serviceUrl: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity(serviceUrl)),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: await response.json() };
  }

  const unauthorized = { status: 401, body: { error: { code: 'unauthorized', message: 'Missing or invalid credentials.' } } };
  const forbidden = { status: 403, body: { error: { code: 'forbidden', message: 'These credentials do not allow this request.' } } };

  it('a channel token whose serviceurl claim names another URL is refused (botbuilder\'s own check, verified)', async () => {
    expect(await post(channelToken({ serviceurl: teamsAmer }), 'https://smba.trafficmanager.net/emea/')).toEqual(unauthorized);
  });

  it('a channel token without a serviceurl claim is refused', async () => {
    expect(await post(channelToken({}), teamsAmer)).toEqual(unauthorized);
  });

  it('a token that botbuilder does not check against serviceUrl (an Emulator-style Entra token for the app) is refused too', async () => {
    expect(await post(emulatorStyleToken(), teamsAmer)).toEqual(unauthorized);
  });

  it.each([
    ['0.0.0.0 on this machine', () => `http://0.0.0.0:${new URL(capture.url).port}/`],
    ['a loopback address', () => `${capture.url}/`],
    ['a lookalike Traffic Manager name', () => 'https://attacker.trafficmanager.net/amer/'],
    ['a lookalike host', () => 'https://smba.trafficmanager.net.attacker.example/amer/'],
  ])('a serviceUrl on %s is refused even when the token names it, and the bot POSTs nothing', async (_name, serviceUrlOf) => {
    const serviceUrl = serviceUrlOf();
    const before = openId.received.length;
    expect(await post(channelToken({ serviceurl: serviceUrl }), serviceUrl)).toEqual(forbidden);
    expect(capture.requests).toEqual([]);
    // Refused before any token work: not even the signing keys were read for it.
    expect(openId.received.length).toBe(before);
  });

  it('no turn ran for any of them', () => {
    expect(logLines.join('\n')).not.toContain('turn failed');
    const rejected = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'bot framework request rejected');
    expect(rejected.map((entry) => entry.code).sort()).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden', 'unauthorized', 'unauthorized', 'unauthorized']);
  });
});

describe('the serviceUrl policy as data', () => {
  it.each([
    [teamsAmer, true],
    ['https://smba.trafficmanager.net/teams/', true],
    ['https://smba.infra.gcc.teams.microsoft.com/teams', true],
    ['https://smba.infra.gov.teams.microsoft.us/teams', true],
    ['https://smba.infra.dod.teams.microsoft.us/teams', true],
    ['https://directline.botframework.com/', true],
    ['https://webchat.botframework.com/', true],
    ['https://europe.webchat.botframework.com/', true],
    ['https://directline.botframework.azure.us/', true],
    ['https://directline.botframework.azure.cn/', true],
    ['http://smba.trafficmanager.net/amer/', false],
    ['https://smba.trafficmanager.net:8443/amer/', false],
    ['https://user:pass@smba.trafficmanager.net/amer/', false],
    ['https://botframework.com.attacker.example/', false],
    ['https://attackerbotframework.com/', false],
    ['https://other.trafficmanager.net/', false],
    ['https://10.0.0.7/', false],
    ['not a url', false],
  ])('%s is a Microsoft connector URL: %s', (url, expected) => {
    expect(isMicrosoftConnectorUrl(url)).toBe(expected);
  });

  it.each([
    ['http://localhost:53000', true],
    ['http://127.0.0.1:53000', true],
    ['http://127.8.9.10:53000', true],
    ['http://[::1]:53000', true],
    ['http://[::ffff:127.0.0.1]:53000', true],
    ['http://2130706433:53000', true],
    ['https://localhost', true],
    ['http://0.0.0.0:53000', false],
    ['http://[::]:53000', false],
    ['http://10.0.0.7:53000', false],
    ['http://169.254.169.254/', false],
    ['http://localhost.attacker.example/', false],
    ['http://evil.localhost/', false],
    ['ftp://127.0.0.1/', false],
    ['http://user:pw@127.0.0.1/', false],
  ])('%s is a loopback serviceUrl: %s', (url, expected) => {
    expect(isLoopbackServiceUrl(url)).toBe(expected);
  });
});
