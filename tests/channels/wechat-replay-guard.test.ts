import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFingerprint, signatureWindowSeconds, WeChatReplayGuard } from '../../src/channels/wechat/replay-guard';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';

/** The guard's edges, on the real SQLite key-value store, with the app's clock injected. */
describe('WeChatReplayGuard', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-wechat-guard-'));
  // A whole second near the wall clock (the store judges expiry by the wall clock).
  const nowSeconds = Math.floor(Date.now() / 1000);
  const clock = { seconds: nowSeconds, now: () => new Date(clock.seconds * 1000) };
  let stores: Stores;
  let guard: WeChatReplayGuard;

  beforeAll(async () => {
    stores = await createStores(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
    guard = new WeChatReplayGuard(stores.keyValue, clock);
  });

  afterAll(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts timestamps up to five minutes either side of the app clock, not one second more', () => {
    expect(signatureWindowSeconds).toBe(300);
    for (const skew of [0, -60, 60, -300, 300]) expect(guard.isFresh(String(nowSeconds + skew)), `skew ${skew}`).toBe(true);
    for (const skew of [-301, 301, -400 * 24 * 60 * 60]) expect(guard.isFresh(String(nowSeconds + skew)), `skew ${skew}`).toBe(false);
    for (const malformed of ['', 'abc', '1e9', `${nowSeconds}.5`, ` ${nowSeconds}`, '-1', '1234567890123']) expect(guard.isFresh(malformed), malformed).toBe(false);
  });

  it('takes only short printable nonces (they become part of a storage key)', () => {
    expect(WeChatReplayGuard.isWellFormedNonce('1320562132')).toBe(true);
    for (const bad of ['', 'a b', 'x'.repeat(65), '非ascii', 'tab\there']) expect(WeChatReplayGuard.isWellFormedNonce(bad), bad).toBe(false);
  });

  it('says fresh, then retry for the identical request, replay for another body or method', async () => {
    const timestamp = String(nowSeconds);
    const nonce = `n${process.pid}`;
    const original = requestFingerprint('POST', '<xml>original</xml>');
    expect(await guard.check(timestamp, nonce, original)).toBe('fresh');
    expect(await guard.check(timestamp, nonce, original)).toBe('retry');
    expect(await guard.check(timestamp, nonce, requestFingerprint('POST', '<xml>other</xml>'))).toBe('replay');
    expect(await guard.check(timestamp, nonce, requestFingerprint('GET', '<xml>original</xml>'))).toBe('replay');
    // The nonce is bound to its timestamp: another timestamp is another record.
    expect(await guard.check(String(nowSeconds + 1), nonce, requestFingerprint('POST', '<xml>other</xml>'))).toBe('fresh');
  });

  it('keeps the record for as long as its timestamp is accepted', async () => {
    const timestamp = String(nowSeconds);
    const nonce = `keep${process.pid}`;
    expect(await guard.check(timestamp, nonce, requestFingerprint('POST', 'a'))).toBe('fresh');
    clock.seconds = nowSeconds + signatureWindowSeconds;
    try {
      expect(guard.isFresh(timestamp)).toBe(true);
      expect(await guard.check(timestamp, nonce, requestFingerprint('POST', 'b'))).toBe('replay');
    } finally {
      clock.seconds = nowSeconds;
    }
  });
});
