/**
 * Structured JSON-lines logs through pino. Personal data never reaches them: callers log codes, counts and
 * references, fields that could hold personal data or credentials are removed (top level and one down), ids that would let
 * someone address a conversation are replaced by a short keyed hash, and anything that still looks like a
 * phone number or an email address in a string is masked.
 */
import { createHmac, randomBytes } from 'node:crypto';
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const emailPattern = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
/** 7+ digits, optionally separated by spaces, dots or dashes, optionally with a leading +. */
const phonePattern = /\+?\d[\d\s().-]{5,}\d/g;

export function redact(text: string): string {
  return text.replace(emailPattern, '[email]').replace(phonePattern, '[number]');
}

/** Fields whose value is personal data, message text or a credential: never written. */
const secretFields = ['text', 'phone', 'email', 'contact', 'body', 'authorization', 'cookie', 'token', 'secret', 'password', 'speak', 'value'];
/** Fields whose value addresses a conversation or a person on a channel: written only as a keyed hash. */
const idFields = ['conversationId', 'userId', 'openId', 'fromId', 'conversationKey'];

const secretFieldSet = new Set(secretFields);
const idFieldSet = new Set(idFields);
/**
 * How deep the fields above are looked for: the top level and one level down (e.g. `{ activity: { text } }`), as
 * pino's path redaction (`text`, `*.text`) did. Done in the same walk that masks strings: pino's wildcard paths
 * cost about 19 us of a request line's 29 us (issue 11).
 */
const sensitiveFieldDepth = 2;

/**
 * A per-process key: equal ids give equal hashes within one run (so a conversation's lines can be followed) but
 * the hash cannot be turned back into the id, nor computed by someone reading the log.
 */
const hashKey = randomBytes(32);
export function hashId(id: string): string {
  return `h:${createHmac('sha256', hashKey).update(id).digest('base64url').slice(0, 12)}`;
}

/** Ids inside URL paths (Direct Line's /conversations/{id}/...) are hashed like id fields. */
function redactPath(path: string): string {
  return path.replace(/(\/conversations\/)([^/?#]+)/g, (_match, prefix: string, id: string) => `${prefix}${hashId(decodeURIComponent(id))}`);
}

const maxMessageLength = 200;

/**
 * An error as its name, code and cause chain (codes like ECONNREFUSED, 57P01, 413 tell the operator what
 * happened); the message only masked and shortened, the stack only at debug level.
 */
function describeError(error: Error, withStack: boolean, depth: number): Record<string, unknown> {
  const { code, statusCode, status } = error as Error & { code?: unknown; statusCode?: unknown; status?: unknown };
  const described: Record<string, unknown> = { name: error.name };
  const codeValue = code ?? statusCode ?? status;
  if (typeof codeValue === 'string' || typeof codeValue === 'number') described.code = codeValue;
  // JSON.parse's SyntaxError quotes the text it could not read, which may be what a person typed.
  const quotesInput = error.name === 'SyntaxError' && !withStack;
  if (error.message && !quotesInput) described.message = redact(error.message).slice(0, maxMessageLength);
  if (error.cause !== undefined && depth < 3) described.cause = error.cause instanceof Error ? describeError(error.cause, withStack, depth + 1) : typeof error.cause;
  if (withStack && error.stack) described.stack = redact(error.stack);
  return described;
}

/** Generated ids (request ids, outbox message ids) are not personal data, but their digit runs look like phone numbers. */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Hex digests (the content version, file hashes) as a whole field: at least one letter, so never a bare number. */
const hexDigestPattern = /^(?=[0-9]*[a-f])[0-9a-f]{12,64}$/;

function clean(value: unknown, withStack: boolean, key: string | undefined, depth: number): unknown {
  if (key !== undefined && depth <= sensitiveFieldDepth) {
    // Id fields become hashes of the id as it was, everything else in these fields disappears behind a marker.
    if (idFieldSet.has(key)) return typeof value === 'string' || typeof value === 'number' ? hashId(String(value)) : '[id]';
    if (secretFieldSet.has(key)) return '[redacted]';
  }
  if (typeof value === 'string') {
    if (uuidPattern.test(value) || hexDigestPattern.test(value)) return value;
    return key === 'path' || key === 'url' ? redact(redactPath(value)) : redact(value);
  }
  if (value instanceof Error) return describeError(value, withStack, 0);
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((inner) => clean(inner, withStack, undefined, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([innerKey, inner]) => [innerKey, clean(inner, withStack, innerKey, depth + 1)]));
  }
  return value;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const withStack = level === 'debug';
  const destination = { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
  const log = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => clean(fields, withStack, undefined, 0) as Record<string, unknown>,
      },
    },
    destination,
  );
  const emit = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    log[at](fields ?? {}, redact(message));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

