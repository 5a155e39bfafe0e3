import { randomBytes, scrypt as scryptCallback, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * Console passwords: node's scrypt with a random 16-byte salt; the parameters are stored with the hash
 * (`scrypt$N$r$p$salt$hash`, base64url), so they can be raised later without invalidating old hashes.
 * N = 2^15, r = 8, p = 3 is one of OWASP's equivalent scrypt settings (32 MiB per hash instead of 128 MiB for
 * N = 2^17, p = 1), which keeps concurrent sign-ins affordable on a small service machine.
 */
export const scryptParameters = { N: 2 ** 15, r: 8, p: 3 } as const;
const keyLength = 32;
const saltLength = 16;

/** Passwords shorter than this are refused by the CLI (a hospital policy may ask for more). */
export const minPasswordLength = 12;
/** scrypt reads the whole password; far longer input is only a way to make the server work. */
export const maxPasswordLength = 1024;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keyLength, { ...options, maxmem: 256 * (options.N ?? 0) * (options.r ?? 0) }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const { N, r, p } = scryptParameters;
  const key = await scrypt(password, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant time in the comparison; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (!N || !r || !p || !Number.isSafeInteger(N) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length === 0 || expected.length !== keyLength) return false;
  const actual = await scrypt(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/**
 * Compared against when a name has no account (or is disabled), so an unknown name costs the same scrypt
 * work as a wrong password and timing does not tell which names exist.
 */
export const dummyPasswordHash = `scrypt$${scryptParameters.N}$${scryptParameters.r}$${scryptParameters.p}$${Buffer.alloc(saltLength).toString('base64url')}$${Buffer.alloc(keyLength).toString('base64url')}`;

/** Sign-in names: lower case letters, digits, dot, dash, underscore; 2-64 characters. */
export function normaliseAccountName(name: string): string | undefined {
  const normalised = name.normalize('NFKC').trim().toLowerCase();
  return /^[a-z0-9][a-z0-9._-]{1,63}$/.test(normalised) ? normalised : undefined;
}
