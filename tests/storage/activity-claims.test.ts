import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { claimClientActivity } from '../../src/storage/activity-claims';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';

const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-claims-'));
let stores: Stores;

beforeAll(async () => {
  stores = await createStores(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
});

afterAll(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('claimClientActivity', () => {
  it('lets exactly one of several concurrent posts of one client activity through, and tells the others its id', async () => {
    const now = new Date();
    const claims = await Promise.all(['a1', 'a2', 'a3', 'a4'].map((id) => claimClientActivity(stores.keyValue, 'directline/c1', 'client-1', id, now)));
    const fresh = claims.filter((claim) => claim.fresh);
    expect(fresh).toHaveLength(1);
    const winner = ['a1', 'a2', 'a3', 'a4'][claims.findIndex((claim) => claim.fresh)];
    expect(claims.filter((claim) => !claim.fresh)).toEqual([1, 2, 3].map(() => ({ fresh: false, id: winner })));
  });

  it('keeps conversations and client ids apart, and forgets a claim after its time', async () => {
    // setIfAbsent judges expiry by the wall clock, so this test runs on it.
    const now = () => new Date();
    expect(await claimClientActivity(stores.keyValue, 'directline/c2', 'client-1', 'b1', now(), 300)).toEqual({ fresh: true });
    expect(await claimClientActivity(stores.keyValue, 'directline/c3', 'client-1', 'c1', now())).toEqual({ fresh: true });
    expect(await claimClientActivity(stores.keyValue, 'directline/c2', 'client-2', 'b2', now())).toEqual({ fresh: true });
    expect(await claimClientActivity(stores.keyValue, 'directline/c2', 'client-1', 'b3', now())).toEqual({ fresh: false, id: 'b1' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await claimClientActivity(stores.keyValue, 'directline/c2', 'client-1', 'b4', now())).toEqual({ fresh: true });
  });
});
