import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithPassword } from '../../src/console/console-accounts';
import { createStores } from '../../src/storage/create-stores';
import type { Stores } from '../../src/storage/ports';
import { createCaptureLogger } from '../handoff/support/capture-logger';
import { ManualClock, tempDataDir, testConfig } from '../handoff/support/fixtures';
import { waitFor } from '../support/http';
import { runCoordinatorCli } from '../support/processes';
import { startConsoleServer } from './support/console-client';

/**
 * `npm run coordinator -- …` as an operator runs it (the script in a child process, the password piped on
 * stdin), against the same data directory as the server; and the server's startup line about the console.
 */
const password = 'a long enough password';
let data: ReturnType<typeof tempDataDir>;

function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCoordinatorCli(args, { DATA_DIR: data.dir, LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'https://trials.hospital.example' }, stdin);
}

/** The accounts as the server sees them: its own Stores, opened after the CLI finished and closed again. */
async function withStores<T>(work: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await createStores(testConfig({ DATA_DIR: data.dir }), createCaptureLogger().logger);
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

beforeAll(() => {
  data = tempDataDir();
});

afterAll(() => {
  data.remove();
});

describe('npm run coordinator', { timeout: 180_000 }, () => {
  it('the server says where the console is and, with no account yet, how to create the first', async () => {
    const capture = createCaptureLogger();
    const clock = new ManualClock();
    const config = testConfig({ DATA_DIR: data.dir, PUBLIC_BASE_URL: 'https://trials.hospital.example/' });
    const stores = await createStores(config, capture.logger);
    const server = await startConsoleServer({ stores, config, logger: capture.logger, clock });
    try {
      const line = await waitFor(() => capture.lines.find((entry) => entry.includes("coordinators' console")));
      expect(JSON.parse(line)).toMatchObject({
        level: 'info',
        message: "coordinators' console at https://trials.hospital.example/console: no account yet; create the first with: npm run coordinator -- add NAME",
      });
    } finally {
      await server.stop();
      await stores.close();
    }
  });

  it('adds an account from a piped password; the server signs it in', async () => {
    const added = await cli(['add', 'Alice', '--display-name', 'Alice Wong'], `${password}\n`);
    expect(added).toEqual({ code: 0, stdout: 'Account "alice" created. Sign in at https://trials.hospital.example/console\n', stderr: '' });
    await withStores(async (stores) => {
      const signedIn = await signInWithPassword(stores.console, new ManualClock(), 'alice', password);
      expect(signedIn.ok && signedIn.account).toMatchObject({ name: 'alice', displayName: 'Alice Wong', disabled: false });
      // The stored hash carries its parameters and never the password.
      expect((await stores.console.getAccount('alice'))?.passwordHash).toMatch(/^scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
    });
  });

  it('refuses a duplicate name, a short password and a bad name, with a reason and exit code 1', async () => {
    expect(await cli(['add', 'alice'], `${password}\n`)).toMatchObject({ code: 1, stderr: 'coordinator: an account named "alice" already exists (use reset-password to change its password)\n' });
    expect(await cli(['add', 'bob'], 'short\n')).toMatchObject({ code: 1, stderr: 'coordinator: the password must be at least 12 characters\n' });
    expect((await cli(['add', 'bob smith'], `${password}\n`)).code).toBe(1);
    expect(await cli([])).toMatchObject({ code: 2 });
    await withStores(async (stores) => expect((await stores.console.listAccounts()).map((account) => account.name)).toEqual(['alice']));
  });

  it('lists, disables (ending sessions), enables and resets a password', async () => {
    const clock = new ManualClock();
    await withStores((stores) => stores.console.createSession({ idHash: 'h-alice', kind: 'local', subject: 'alice', displayName: 'Alice Wong', createdAt: clock.now(), lastSeenAt: clock.now() }));
    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^alice\tAlice Wong\tactive\tcreated \d{4}-\d{2}-\d{2}\n$/);

    expect(await cli(['disable', 'alice'])).toMatchObject({ code: 0, stdout: 'Account "alice" disabled; its open sessions ended.\n' });
    await withStores(async (stores) => {
      expect(await stores.console.getSession('h-alice')).toBeUndefined();
      expect(await signInWithPassword(stores.console, clock, 'alice', password)).toEqual({ ok: false, reason: 'invalid' });
      await stores.console.clearLoginFailures('alice');
    });
    expect((await cli(['list'])).stdout).toContain('\tdisabled\t');
    expect((await cli(['enable', 'alice'])).code).toBe(0);

    const fresh = 'another long password';
    expect(await cli(['reset-password', 'alice'], `${fresh}\n`)).toMatchObject({ code: 0, stdout: 'Password of "alice" changed; its open sessions ended.\n' });
    await withStores(async (stores) => {
      expect((await signInWithPassword(stores.console, clock, 'alice', password)).ok).toBe(false);
      expect((await signInWithPassword(stores.console, clock, 'alice', fresh)).ok).toBe(true);
    });
    expect(await cli(['disable', 'nobody'])).toMatchObject({ code: 1, stderr: 'coordinator: no account is named "nobody"\n' });
  });
});
