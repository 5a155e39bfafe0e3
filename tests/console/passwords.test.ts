import { describe, expect, it } from 'vitest';
import { dummyPasswordHash, hashPassword, normaliseAccountName, verifyPassword } from '../../src/console/passwords';

describe('console passwords (scrypt)', () => {
  it('verifies the right password only; every hash has its own salt', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery staple', first)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', first)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', second)).toBe(false);
    // Unicode is compared after NFC: a composed and a decomposed é are the same password.
    const accented = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect(await verifyPassword('cafe\u0301 au lait, s\u2019il vous pla\u00eet', accented)).toBe(true);
  });

  it('never matches a malformed hash, a foreign scheme or parameters that would make the server work too hard', async () => {
    expect.hasAssertions();
    const good = await hashPassword('a long enough password');
    const [, , r, p, salt, key] = good.split('$');
    const bad = [
      '',
      'plaintext',
      good.replace(/^scrypt/, 'bcrypt'),
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`,
      `scrypt$32768$${r}$${p}$$${key}`,
      `scrypt$32768$${r}$${p}$${salt}$${key?.slice(0, 10)}`,
      `scrypt$abc$${r}$${p}$${salt}$${key}`,
      dummyPasswordHash,
    ];
    for (const stored of bad) expect(await verifyPassword('a long enough password', stored), stored).toBe(false);
  });

  it('normalises account names and refuses unusable ones', () => {
    expect.hasAssertions();
    const cases: Array<[string, string | undefined]> = [
      ['Alice', 'alice'],
      ['  bob.smith ', 'bob.smith'],
      ['ｃａｒｏｌ', 'carol'],
      ['dr_wang-2', 'dr_wang-2'],
      ['a', undefined],
      ['.hidden', undefined],
      ['bob smith', undefined],
      ['王医生', undefined],
      ['x'.repeat(65), undefined],
    ];
    for (const [typed, expected] of cases) expect(normaliseAccountName(typed), typed).toBe(expected);
  });
});
