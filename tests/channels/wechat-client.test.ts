import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeChatApiClient, WeChatApiError } from '../../src/channels/wechat/customer-service-client';
import { systemClock } from '../../src/clock';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { type FakeWeChatApi, startFakeWeChatApi } from '../fixtures/wechat/fake-wechat-api';

const appId = 'wxclienttest000001';
const appSecret = 'client-test-secret';

describe('WeChat API client', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-client-'));
  const logLines: string[] = [];
  const logger = createLogger('info', (line) => logLines.push(line));
  let fake: FakeWeChatApi;
  let stores: Stores;

  const client = (secret = appSecret) => new WeChatApiClient({ apiBase: fake.baseUrl, appId, appSecret: secret, keyValue: stores.keyValue, clock: systemClock, logger, leasePollMs: 20 });

  beforeAll(async () => {
    fake = await startFakeWeChatApi({ appId, appSecret });
    stores = await createStores(loadConfig({ DATA_DIR: dataDir }), logger);
  });

  afterAll(async () => {
    await stores.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fetches one token for many concurrent sends, across two instances sharing the store', async () => {
    const [first, second] = [client(), client()];
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, index) => (index % 2 ? first : second).sendText(`oUser${index}`, `message ${index}`)));
    expect(outcomes).toEqual(Array(6).fill('sent'));
    expect(fake.tokenRequests).toBe(1);
    expect(await first.accessToken()).toBe(await second.accessToken());
  });

  it('refreshes once when WeChat rejects the token, and the other instance picks up the new one', async () => {
    const [first, second] = [client(), client()];
    const before = fake.tokenRequests;
    const forcedBefore = fake.forcedRefreshes;
    const stale = await first.accessToken();
    fake.failNextSends(40001);
    expect(await first.sendText('oUser', 'after refresh')).toBe('sent');
    expect(fake.tokenRequests).toBe(before + 1);
    // The stable endpoint had a new token already: no forced refresh was needed.
    expect(fake.forcedRefreshes).toBe(forcedBefore);
    const fresh = await second.accessToken();
    expect(fresh).not.toBe(stale);
    expect(await second.sendText('oUser', 'with the shared token')).toBe('sent');
    expect(fake.tokenRequests).toBe(before + 1);
  });

  it('a rejected token the stable endpoint still hands out is replaced with one forced refresh', async () => {
    const [first, second] = [client(), client()];
    const stale = await first.accessToken();
    const before = fake.tokenRequests;
    const forcedBefore = fake.forcedRefreshes;
    fake.failNextSends(40001, 1, { tokenStaysValid: true });
    expect(await first.sendText('oUser', 'after a forced refresh')).toBe('sent');
    // One normal request (it gave the rejected token back), then one with force_refresh.
    expect(fake.tokenRequests).toBe(before + 2);
    expect(fake.forcedRefreshes).toBe(forcedBefore + 1);
    const fresh = await second.accessToken();
    expect(fresh).not.toBe(stale);
    expect(await second.sendText('oUser', 'with the shared token')).toBe('sent');
    expect(fake.tokenRequests).toBe(before + 2);
  });

  it('a fresh instance with an empty store gets the token every other instance holds, without invalidating it', async () => {
    const held = await client().accessToken();
    const otherStores = await createStores(loadConfig({ DATA_DIR: mkdtempSync(path.join(dataDir, 'fresh-')) }), logger);
    try {
      const fresh = new WeChatApiClient({ apiBase: fake.baseUrl, appId, appSecret, keyValue: otherStores.keyValue, clock: systemClock, logger });
      expect(await fresh.accessToken()).toBe(held);
      // The token the first store holds still works.
      expect(await client().sendText('oUser', 'still valid')).toBe('sent');
    } finally {
      await otherStores.close();
    }
  });

  it('asks only POST /cgi-bin/stable_token (JSON body), never the old GET /cgi-bin/token', () => {
    expect(fake.tokenRequests).toBeGreaterThan(0);
    expect(fake.unknownRequests).toEqual([]);
  });

  it('reports out-of-window and quota refusals without retrying', async () => {
    const sentBefore = fake.sent.length;
    fake.failNextSends(45015);
    expect(await client().sendText('oUser', 'too late')).toBe('out-of-window');
    fake.failNextSends(45047);
    expect(await client().sendText('oUser', 'too many')).toBe('quota-exceeded');
    expect(fake.sent.length).toBe(sentBefore);
  });

  it('refuses wrong credentials without putting the secret in the error or the log', async () => {
    const otherStores = await createStores(loadConfig({ DATA_DIR: mkdtempSync(path.join(dataDir, 'other-')) }), logger);
    const other = new WeChatApiClient({ apiBase: fake.baseUrl, appId, appSecret: 'wrong-secret-value', keyValue: otherStores.keyValue, clock: systemClock, logger });
    const error = await other.accessToken().catch((caught: unknown) => caught);
    await otherStores.close();
    expect(error).toBeInstanceOf(WeChatApiError);
    expect((error as WeChatApiError).errcode).toBe(40013);
    expect(String((error as Error).message)).not.toContain('wrong-secret-value');
    expect(logLines.join('\n')).not.toMatch(/wrong-secret-value|client-test-secret|ACCESS_TOKEN_/);
  });

  it('scripts/wechat-menu.ts (npm run wechat:menu) prints the menu and publishes it with credentials', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['scripts/wechat-menu.ts'], {
      cwd: projectRoot,
      env: { ...process.env, DATA_DIR: dataDir, WECHAT_TOKEN: 'menu-token', WECHAT_APP_ID: appId, WECHAT_APP_SECRET: appSecret, WECHAT_API_BASE: fake.baseUrl, WECHAT_MENU_LANGUAGE: 'zh-Hant', LOG_LEVEL: 'silent' },
    });
    const printed = JSON.parse(stdout) as { button: { type: string; name: string; key: string }[] };
    expect(printed.button).toEqual([
      { type: 'click', name: '了解研究', key: 'TG_ABOUT' },
      { type: 'click', name: '初步自查', key: 'TG_PRECHECK' },
      { type: 'click', name: '聯絡團隊', key: 'TG_CONTACT' },
    ]);
    expect(fake.menus.at(-1)).toEqual(printed);
    expect(fake.unknownRequests).toEqual([]);
  }, 60_000);
});
