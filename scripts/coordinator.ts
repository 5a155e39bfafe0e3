/**
 * `npm run coordinator -- <command>`: local accounts for the coordinators' console (/console).
 *   add NAME [--display-name "Full Name"]   create an account (asks for the password)
 *   list                                    names, display names, disabled or not, locked or not
 *   disable NAME | enable NAME              (disable also ends its sessions)
 *   reset-password NAME                     set a new password (ends its sessions, clears a lockout)
 * The password is asked twice on a terminal, without echo; piped, the first line of stdin is the password
 * (`printf '%s\n' "$PASSWORD" | npm run coordinator -- add alice`). Uses the same configuration (DATA_DIR or
 * DATABASE_URL) as the server, which may keep running meanwhile.
 */
import { loadConfig } from '../src/config/load-config';
import { AccountError, addAccount, passwordProblem, resetAccountPassword, setAccountDisabled } from '../src/console/console-accounts';
import { systemClock } from '../src/clock';
import { createLogger } from '../src/logger';
import { createStores } from '../src/storage/create-stores';

const usage = `usage: npm run coordinator -- add NAME [--display-name "Full Name"] | list | disable NAME | enable NAME | reset-password NAME`;

async function main(argv: string[]): Promise<number> {
  const [command, name, ...rest] = argv;
  if (!command || (command !== 'list' && !name)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const displayNameIndex = rest.indexOf('--display-name');
  const displayName = displayNameIndex >= 0 ? rest[displayNameIndex + 1] : undefined;

  const config = loadConfig();
  // Errors only: the server already warns about the key file, and stdout stays the command's own answer.
  const stores = await createStores(config, createLogger('error'));
  const clock = systemClock;
  try {
    switch (command) {
      case 'add': {
        const created = await addAccount(stores.console, clock, name ?? '', await readNewPassword(), displayName);
        process.stdout.write(`Account "${created}" created. Sign in at ${consoleUrl(config.env.PUBLIC_BASE_URL)}\n`);
        return 0;
      }
      case 'reset-password': {
        const changed = await resetAccountPassword(stores.console, clock, name ?? '', await readNewPassword());
        process.stdout.write(`Password of "${changed}" changed; its open sessions ended.\n`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const changed = await setAccountDisabled(stores.console, clock, name ?? '', command === 'disable');
        process.stdout.write(`Account "${changed}" ${command === 'disable' ? 'disabled; its open sessions ended' : 'enabled'}.\n`);
        return 0;
      }
      case 'list': {
        const accounts = await stores.console.listAccounts();
        if (accounts.length === 0) process.stdout.write('No console accounts yet. Create one: npm run coordinator -- add NAME\n');
        for (const account of accounts) {
          const failures = await stores.console.getLoginFailures(account.name);
          const locked = failures.lockedUntil && failures.lockedUntil > clock.now() ? ` locked until ${failures.lockedUntil.toISOString()}` : '';
          process.stdout.write(`${account.name}\t${account.displayName}\t${account.disabled ? 'disabled' : 'active'}${locked}\tcreated ${account.createdAt.toISOString().slice(0, 10)}\n`);
        }
        return 0;
      }
      default:
        process.stderr.write(`unknown command "${command}"\n${usage}\n`);
        return 2;
    }
  } finally {
    await stores.close();
  }
}

function consoleUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/console`;
}

async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const [first = ''] = (await readAll(process.stdin)).split(/\r?\n/);
    const problem = passwordProblem(first);
    if (problem) throw new AccountError(problem);
    return first;
  }
  const password = await askHidden('Password: ');
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(problem);
  if ((await askHidden('Repeat the password: ')) !== password) throw new AccountError('the two passwords differ');
  return password;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stdout.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let typed = '';
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stdout.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new AccountError('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
      return undefined;
    };
    input.on('data', onData);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`coordinator: ${error instanceof AccountError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
