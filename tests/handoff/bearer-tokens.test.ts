import { describe, expect, it } from 'vitest';
import { createBearerAuthenticator, parseBearerTokens } from '../../src/security/bearer-tokens';

const alice = 'alice-token-0123456789abcdefghij';
const bob = 'bob:token:with:colons-0123456789ab';

describe('bearer tokens', () => {
  it('parses named tokens (a token may contain ":") and keeps only digests', () => {
    const tokens = parseBearerTokens(`alice:${alice},bob:${bob}`);
    expect(tokens.map((token) => token.name)).toEqual(['alice', 'bob']);
    expect(JSON.stringify(tokens)).not.toContain(alice);
    expect(tokens.every((token) => token.digest.length === 32)).toBe(true);
    expect(parseBearerTokens(undefined)).toEqual([]);
  });

  it('refuses duplicate names, which would make the audit log ambiguous', () => {
    expect(() => parseBearerTokens(`alice:${alice},alice:${bob}`)).toThrow(/unique/);
  });

  it.each([
    [`Bearer ${alice}`, 'alice'],
    [`bearer ${bob}`, 'bob'],
    [`Bearer   ${alice}  `, 'alice'],
    [undefined, undefined],
    ['', undefined],
    ['Bearer', undefined],
    [`Basic ${alice}`, undefined],
    [`Bearer ${alice}x`, undefined],
    [`Bearer ${alice.slice(0, -1)}`, undefined],
    [`Bearer ${alice} ${bob}`, undefined],
    [`Bearer alice:${alice}`, undefined],
  ])('authenticates %j as %j', (header, expected) => {
    const authenticator = createBearerAuthenticator(parseBearerTokens(`alice:${alice},bob:${bob}`));
    expect(authenticator.authenticate(header)).toBe(expected);
  });

  it('authenticates nobody when no token is configured', () => {
    expect(createBearerAuthenticator([]).authenticate(`Bearer ${alice}`)).toBeUndefined();
  });
});
