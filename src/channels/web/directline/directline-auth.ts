import type { Request } from 'restify';
import { type DirectLineTokenClaims, isDirectLineSecret, verifyConversationToken } from '../../../security/directline-token';
import { type DirectLineError, directLineErrors } from './directline-errors';

/** Who is calling: the secret holder (a trusted server) or the holder of one conversation's token. */
export type DirectLinePrincipal = { kind: 'secret' } | { kind: 'token'; token: string; claims: DirectLineTokenClaims };

export type AuthResult = { ok: true; principal: DirectLinePrincipal } | { ok: false; error: DirectLineError };

export function authenticate(req: Request, secret: string, now: Date): AuthResult {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.header('authorization') ?? '');
  const presented = match?.[1];
  if (!presented) return { ok: false, error: directLineErrors.unauthorized };
  if (isDirectLineSecret(presented, secret)) return { ok: true, principal: { kind: 'secret' } };
  const check = verifyConversationToken(secret, presented, now);
  if (check.ok) return { ok: true, principal: { kind: 'token', token: presented, claims: check.claims } };
  return { ok: false, error: check.reason === 'expired' ? directLineErrors.tokenExpired : directLineErrors.unauthorized };
}

/** A token opens exactly one conversation; the secret opens any. */
export function authenticateForConversation(req: Request, secret: string, now: Date, conversationId: string): AuthResult {
  const result = authenticate(req, secret, now);
  if (result.ok && result.principal.kind === 'token' && result.principal.claims.conversationId !== conversationId) {
    return { ok: false, error: directLineErrors.forbidden };
  }
  return result;
}
