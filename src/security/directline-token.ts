import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';

export const directLineSecretFileName = 'directline.secret';

const issuer = 'trialguide';
/** Different audiences keep a stream credential from working as a bearer token, and the other way round. */
const tokenAudience = 'directline';
const streamAudience = 'directline-stream';
/** Long enough to open the socket after reading the URL, short enough that a logged URL is useless. */
export const streamCredentialTtlSeconds = 120;

/**
 * DIRECTLINE_SECRET when set. Otherwise the embedded mode keeps a generated secret in
 * `DATA_DIR/directline.secret` (mode 0600), so a fresh clone runs with no setup. PostgreSQL mode refuses:
 * several instances would each generate their own secret and reject each other's tokens.
 * Synchronous because it runs once while the routes are registered.
 */
export function resolveDirectLineSecret(config: AppConfig, logger: Logger): string {
  const configured = config.env.DIRECTLINE_SECRET;
  if (configured) return configured;
  if (config.env.DATABASE_URL) {
    throw new Error('DIRECTLINE_SECRET is required when DATABASE_URL is set (instances must share it to accept each other\'s tokens)');
  }
  const dataDir = path.resolve(config.rootDir, config.env.DATA_DIR);
  const secretPath = path.join(dataDir, directLineSecretFileName);
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx' creates atomically: two processes starting together cannot both write a secret.
    const fd = openSync(secretPath, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(36).toString('base64url')}\n`);
    } finally {
      closeSync(fd);
    }
    logger.warn('DIRECTLINE_SECRET is not set: generated one for the embedded Direct Line endpoint.', { secretFile: secretPath });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(secretPath, 'utf8').trim();
  if (secret.length < 24) throw new Error(`${secretPath} must hold a secret of at least 24 characters`);
  return secret;
}

const digestOf = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison of a presented bearer value with the secret (digests have equal length). */
export function isDirectLineSecret(presented: string, secret: string): boolean {
  return timingSafeEqual(digestOf(presented), digestOf(secret));
}

export interface DirectLineTokenClaims {
  conversationId: string;
  /** The only user id that may post in this conversation; Web Chat reads it from the `user` claim. */
  userId: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

export type TokenCheck = { ok: true; claims: DirectLineTokenClaims } | { ok: false; reason: 'expired' | 'invalid' };

interface RawClaims {
  conv?: unknown;
  user?: unknown;
  exp?: unknown;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

function sign(secret: string, audience: string, conversationId: string, userId: string, now: Date, ttlSeconds: number): string {
  const iat = seconds(now);
  return jwt.sign({ conv: conversationId, user: userId, iat, exp: iat + ttlSeconds, aud: audience, iss: issuer }, secret, { algorithm: 'HS256' });
}

function verify(secret: string, audience: string, token: string, now: Date): TokenCheck {
  try {
    const payload = jwt.verify(token, secret, { algorithms: ['HS256'], audience, issuer, clockTimestamp: seconds(now) });
    const { conv, user, exp } = (typeof payload === 'object' ? payload : {}) as RawClaims;
    if (typeof conv !== 'string' || typeof user !== 'string' || typeof exp !== 'number') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { conversationId: conv, userId: user, expiresAt: exp } };
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) return { ok: false, reason: 'expired' };
    if (error instanceof jwt.JsonWebTokenError) return { ok: false, reason: 'invalid' };
    throw error;
  }
}

export interface SignedToken {
  token: string;
  /** Seconds, as Direct Line's `expires_in`. */
  expiresIn: number;
}

export function signConversationToken(secret: string, claims: { conversationId: string; userId: string }, now: Date, ttlSeconds: number): SignedToken {
  return { token: sign(secret, tokenAudience, claims.conversationId, claims.userId, now, ttlSeconds), expiresIn: ttlSeconds };
}

export function verifyConversationToken(secret: string, token: string, now: Date): TokenCheck {
  return verify(secret, tokenAudience, token, now);
}

export function signStreamCredential(secret: string, claims: { conversationId: string; userId: string }, now: Date): string {
  return sign(secret, streamAudience, claims.conversationId, claims.userId, now, streamCredentialTtlSeconds);
}

export function verifyStreamCredential(secret: string, credential: string, now: Date): TokenCheck {
  return verify(secret, streamAudience, credential, now);
}

/** Direct Line style ids: URL-safe, unguessable. */
export const newConversationId = (): string => randomBytes(18).toString('base64url');
export const newDirectLineUserId = (): string => `dl_${randomBytes(12).toString('base64url')}`;

/** What a user id may look like: it appears in URLs, storage keys and logs, so no personal data shapes. */
export const directLineUserIdPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface IssueDirectLineTokenOptions {
  secret: string;
  ttlSeconds: number;
  now: Date;
  /** A user id the caller vouches for; a fresh `dl_` id when absent. */
  userId?: string;
}

export interface IssuedDirectLineToken {
  conversationId: string;
  token: string;
  expires_in: number;
}

/**
 * A token for a new conversation, shaped like Direct Line's `/tokens/generate` answer. The public page
 * endpoint calls this so the secret never reaches a browser; the conversation starts (and the bot greets)
 * when the client posts `/conversations` with the token.
 */
export function issueDirectLineToken(options: IssueDirectLineTokenOptions): IssuedDirectLineToken {
  const userId = options.userId ?? newDirectLineUserId();
  if (!directLineUserIdPattern.test(userId)) throw new Error('A Direct Line user id must be 1-64 characters of A-Z, a-z, 0-9, _ . : -');
  const conversationId = newConversationId();
  const signed = signConversationToken(options.secret, { conversationId, userId }, options.now, options.ttlSeconds);
  return { conversationId, token: signed.token, expires_in: signed.expiresIn };
}
