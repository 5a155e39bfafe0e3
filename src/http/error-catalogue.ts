/**
 * Every HTTP error TrialGuide returns, with a stable code (never reused) and a message safe to show.
 * Bodies are `{ "error": { "code", "message" } }` — the Direct Line shape, used for every route.
 */
export const httpErrors = {
  bad_request: { status: 400, message: 'The request could not be read. Check that it is valid JSON of the expected shape.' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials.' },
  forbidden: { status: 403, message: 'These credentials do not allow this request.' },
  not_found: { status: 404, message: 'Nothing is here.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  payload_too_large: { status: 413, message: 'The request is too large.' },
  unsupported_media_type: { status: 415, message: 'This content type is not supported.' },
  too_many_requests: { status: 429, message: 'Too many requests. Please wait a moment and try again.' },
  internal: { status: 500, message: 'Something went wrong on our side. Please try again.' },
  bad_gateway: { status: 502, message: 'The bot could not answer this time. Please try again.' },
  unavailable: { status: 503, message: 'The service is not ready. Please try again shortly.' },
} as const;

export type HttpErrorCode = keyof typeof httpErrors;

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: HttpErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? httpErrors[code].message } };
}

export function codeForStatus(status: number): HttpErrorCode {
  const match = (Object.keys(httpErrors) as HttpErrorCode[]).find((code) => httpErrors[code].status === status);
  if (match) return match;
  return status >= 500 ? 'internal' : 'bad_request';
}
