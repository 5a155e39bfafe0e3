import type { Logger } from '../../../src/logger';

/**
 * Records every call verbatim, WITHOUT the production logger's redaction: a test asserting that no phone
 * number or email reached the log must see what the code under test actually passed.
 */
export function createCaptureLogger(): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const serialise = (value: unknown): unknown => (value instanceof Error ? `${value.name}: ${value.message} ${JSON.stringify(value.cause ?? null)}` : value);
  const emit = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...(fields ? Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, serialise(value)])) : {}) }));
  };
  return { logger: { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }, lines, text: () => lines.join('\n') };
}
