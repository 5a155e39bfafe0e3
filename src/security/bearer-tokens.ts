import { createHash, timingSafeEqual } from 'node:crypto';

export interface NamedToken {
  /** Who holds the token; written to the audit log as the actor. */
  name: string;
  /** SHA-256 of the token: the plain token is not kept after parsing. */
  digest: Buffer;
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** COORDINATOR_API_TOKENS is `name:token,name:token` (the schema checks the shape; tokens may contain ':'). */
export function parseBearerTokens(value: string | undefined): NamedToken[] {
  if (!value) return [];
  const tokens = value.split(',').map((pair) => {
    const separator = pair.indexOf(':');
    if (separator <= 0 || separator === pair.length - 1) throw new Error('COORDINATOR_API_TOKENS must be name:token pairs separated by commas');
    return { name: pair.slice(0, separator).trim(), digest: digestOf(pair.slice(separator + 1).trim()) };
  });
  const names = new Set(tokens.map((token) => token.name));
  if (names.size !== tokens.length) throw new Error('COORDINATOR_API_TOKENS names must be unique (they identify the actor in the audit log)');
  return tokens;
}

export interface BearerAuthenticator {
  /** The token's name, or undefined for a missing, malformed or unknown token. */
  authenticate(authorizationHeader: string | undefined): string | undefined;
}

/**
 * Compares digests, not tokens: equal-length inputs for `timingSafeEqual` whatever the caller sends, and every
 * configured token is compared on every request so the time taken does not reveal which one matched.
 */
export function createBearerAuthenticator(tokens: readonly NamedToken[]): BearerAuthenticator {
  return {
    authenticate(header) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
      if (!match?.[1]) return undefined;
      const presented = digestOf(match[1]);
      let found: string | undefined;
      for (const token of tokens) {
        if (timingSafeEqual(presented, token.digest) && found === undefined) found = token.name;
      }
      return found;
    },
  };
}
