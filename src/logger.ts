/**
 * A small JSON-lines logger. Personal data never reaches it: callers log ids and references, and
 * `redact` masks anything that still looks like a phone number or an email address.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

const emailPattern = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
/** 7+ digits, optionally separated by spaces, dots or dashes, optionally with a leading +. */
const phonePattern = /\+?\d[\d\s().-]{5,}\d/g;

export function redact(text: string): string {
  return text.replace(emailPattern, '[email]').replace(phonePattern, '[number]');
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactValue(inner)]));
  return value;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (order[at] < order[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, msg: redact(message), ...(fields ? (redactValue(fields) as object) : {}) }));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
