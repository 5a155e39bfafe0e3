import type { Response } from 'restify';
import { type ErrorBody, httpErrors } from '../../../http/error-catalogue';

/**
 * Direct Line's error codes where clients act on them: botframework-directlinejs and Web Chat treat
 * `TokenExpired` as "refresh or restart", and a 502 `BotError` as the bot (not the channel) failing.
 * Everything else uses the app's catalogue codes.
 */
export const directLineErrors = {
  unauthorized: { status: 401, code: 'unauthorized', message: httpErrors.unauthorized.message },
  tokenExpired: { status: 403, code: 'TokenExpired', message: 'The token has expired. Refresh it or start a new conversation.' },
  forbidden: { status: 403, code: 'forbidden', message: 'This token does not allow access to this conversation.' },
  notFound: { status: 404, code: 'not_found', message: 'This conversation does not exist or has expired.' },
  badRequest: { status: 400, code: 'bad_request', message: httpErrors.bad_request.message },
  messageTooLong: { status: 400, code: 'bad_request', message: 'This message is too long. Please send a shorter one.' },
  botError: { status: 502, code: 'BotError', message: httpErrors.bad_gateway.message },
  internal: { status: 500, code: 'internal', message: httpErrors.internal.message },
  /** A stream URL is single use: a second socket on it is refused. */
  streamUsed: { status: 403, code: 'stream_used', message: 'This stream URL was already used. Ask for a new one.' },
} as const;

export type DirectLineError = (typeof directLineErrors)[keyof typeof directLineErrors];

/** Tokens and conversation data must not be cached by browsers or proxies. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.setHeader('Cache-Control', 'no-store');
  res.send(status, body);
}

export function sendError(res: Response, error: DirectLineError): void {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, error.status, body);
}
