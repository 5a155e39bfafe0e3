import type { Clock } from '../clock';
import type { ConsoleAccount, ConsoleStore } from '../storage/console-store';
import { dummyPasswordHash, hashPassword, maxPasswordLength, minPasswordLength, normaliseAccountName, verifyPassword } from './passwords';

/** Five wrong passwords in a row lock the name for 15 minutes (stored: it holds across instances and restarts). */
export const lockAfterFailures = 5;
export const lockoutMs = 15 * 60 * 1000;

export type PasswordSignIn = { ok: true; account: ConsoleAccount } | { ok: false; reason: 'invalid' | 'locked'; lockedUntil?: Date };

/**
 * Checks a local account's password. Unknown names, disabled accounts and wrong passwords answer alike
 * ('invalid') after the same scrypt work; every failure counts towards the name's lockout, and a locked name
 * is refused without looking at the password.
 */
export async function signInWithPassword(store: ConsoleStore, clock: Clock, typedName: string, password: string): Promise<PasswordSignIn> {
  const name = normaliseAccountName(typedName);
  const now = clock.now();
  if (!name || password.length === 0 || password.length > maxPasswordLength) {
    await verifyPassword('-', dummyPasswordHash);
    return { ok: false, reason: 'invalid' };
  }
  const failures = await store.getLoginFailures(name);
  if (failures.lockedUntil && failures.lockedUntil > now) return { ok: false, reason: 'locked', lockedUntil: failures.lockedUntil };
  // A lockout that has run out starts the count afresh.
  if (failures.lockedUntil) await store.clearLoginFailures(name);

  const account = await store.getAccount(name);
  const usable = account !== undefined && !account.disabled;
  const matches = await verifyPassword(password, usable ? account.passwordHash : dummyPasswordHash);
  if (usable && matches) {
    if (failures.failures > 0) await store.clearLoginFailures(name);
    return { ok: true, account };
  }
  const after = await store.recordLoginFailure(name, now, lockAfterFailures, lockoutMs);
  if (after.lockedUntil && after.lockedUntil > now) return { ok: false, reason: 'locked', lockedUntil: after.lockedUntil };
  return { ok: false, reason: 'invalid' };
}

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

/** For the CLI: a readable reason when a password is not acceptable, else undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < minPasswordLength) return `the password must be at least ${minPasswordLength} characters`;
  if (password.length > maxPasswordLength) return `the password must be at most ${maxPasswordLength} characters`;
  return undefined;
}

function checkedName(typed: string): string {
  const name = normaliseAccountName(typed);
  if (!name) throw new AccountError(`"${typed}" is not a usable account name: 2-64 characters, letters, digits, '.', '-' or '_', starting with a letter or digit`);
  return name;
}

function checkedPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(problem);
}

export async function addAccount(store: ConsoleStore, clock: Clock, typedName: string, password: string, displayName?: string): Promise<string> {
  const name = checkedName(typedName);
  checkedPassword(password);
  const created = await store.createAccount({ name, displayName: displayName?.trim() || name, passwordHash: await hashPassword(password) }, clock.now());
  if (!created) throw new AccountError(`an account named "${name}" already exists (use reset-password to change its password)`);
  return name;
}

/** Also ends the account's sessions: a reset usually follows a suspected leak. */
export async function resetAccountPassword(store: ConsoleStore, clock: Clock, typedName: string, password: string): Promise<string> {
  const name = checkedName(typedName);
  checkedPassword(password);
  if (!(await store.setPasswordHash(name, await hashPassword(password), clock.now()))) throw new AccountError(`no account is named "${name}"`);
  await store.clearLoginFailures(name);
  await store.deleteSessionsOf('local', name);
  return name;
}

export async function setAccountDisabled(store: ConsoleStore, clock: Clock, typedName: string, disabled: boolean): Promise<string> {
  const name = checkedName(typedName);
  if (!(await store.setAccountDisabled(name, disabled, clock.now()))) throw new AccountError(`no account is named "${name}"`);
  if (disabled) await store.deleteSessionsOf('local', name);
  return name;
}
