import restify from 'restify';
import { afterEach, describe, expect, it } from 'vitest';
import { close, listen } from '../../src/http/server';
import { createLogger, hashId, type LogLevel } from '../../src/logger';
import { logRequests } from '../../src/http/server';

function capture(level: LogLevel = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, (line) => lines.push(line));
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger (pino)', () => {
  it('writes one JSON line per call with time, level label and msg, and honours the level', () => {
    const { logger, lines, entries } = capture('info');
    logger.debug('hidden');
    logger.info('shown', { count: 2 });
    logger.error('failed');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => !line.endsWith('\n'))).toBe(true);
    const [info, error] = entries();
    expect(info).toMatchObject({ level: 'info', msg: 'shown', count: 2 });
    expect(new Date(String(info?.time)).toISOString()).toBe(info?.time);
    expect(error).toMatchObject({ level: 'error', msg: 'failed' });
    expect(Object.keys(info ?? {})).not.toContain('pid');

    const silent = capture('silent');
    silent.logger.error('nothing');
    expect(silent.lines).toEqual([]);
  });

  it('masks phone numbers and emails anywhere in messages and string fields', () => {
    const { logger, lines } = capture();
    logger.warn('call +86 139 0000 1234 or mail li.wei@example.com', { note: 'also 13900001234', nested: { list: ['x@y.cn'] } });
    const line = lines.join('\n');
    expect(line).not.toMatch(/1234|li\.wei|x@y/);
    expect(line).toContain('[number]');
    expect(line).toContain('[email]');
  });

  it('keeps a hex digest field whole (the content version b60300238e54 is not a phone number), but not a field of bare digits', () => {
    const { logger, lines } = capture();
    logger.info('content version', { version: 'b60300238e54', digits: '603002381254' });
    const line = JSON.parse(lines[0] ?? '{}') as { version?: string; digits?: string };
    expect(line.version).toBe('b60300238e54');
    expect(line.digits).toBe('[number]');
  });

  it('redaction drops message text, contact details and credentials, also one level down', () => {
    const { logger, entries } = capture();
    const secrets = { text: 'a1', phone: 'a2', email: 'a3', contact: 'a4', body: 'a5', authorization: 'a6', cookie: 'a7', token: 'a8', secret: 'a9', password: 'b1', speak: 'b2', value: 'b3' };
    logger.info('fields', { ...secrets, nested: { ...secrets } });
    const redacted = Object.fromEntries(Object.keys(secrets).map((field) => [field, '[redacted]']));
    expect(entries()[0]).toMatchObject({ ...redacted, nested: redacted });
    logger.info('activity', { text: 'my father has lung cancer', activity: { text: 'private words', type: 'message' }, contact: { name: 'Li Wei' }, headers: { authorization: 'Bearer abc.def' } });
    const [, entry] = entries();
    expect(entry).toMatchObject({ text: '[redacted]', activity: { text: '[redacted]', type: 'message' }, contact: '[redacted]', headers: { authorization: '[redacted]' } });
    expect(JSON.stringify(entry)).not.toMatch(/lung|private words|Li Wei|abc\.def/);
  });

  it('ids that address a conversation become a keyed hash: stable within the process, never the id', () => {
    const { logger, entries } = capture();
    logger.debug('turn', { conversationId: 'Rzd6pU4j4160sNeowtZAGnlg', userId: 'oVictimOpenId0001' });
    logger.debug('turn', { conversationId: 'Rzd6pU4j4160sNeowtZAGnlg' });
    logger.debug('request', { path: '/v3/directline/conversations/Rzd6pU4j4160sNeowtZAGnlg/activities' });
    const [first, second, request] = entries();
    expect(first?.conversationId).toBe(hashId('Rzd6pU4j4160sNeowtZAGnlg'));
    expect(first?.conversationId).toMatch(/^h:[\w-]{12}$/);
    expect(second?.conversationId).toBe(first?.conversationId);
    expect(first?.userId).not.toContain('oVictim');
    expect(request?.path).toBe(`/v3/directline/conversations/${hashId('Rzd6pU4j4160sNeowtZAGnlg')}/activities`);
  });

  it('errors are logged with name, code and cause (codes say what happened), masked message, no stack above debug', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = Object.assign(new Error('could not save for +86 139 0000 1234', { cause }), { code: '57P01' });
    const info = capture('info');
    info.logger.error('turn failed', { error });
    const [entry] = info.entries();
    expect(entry?.error).toEqual({
      name: 'Error',
      code: '57P01',
      message: 'could not save for [number]',
      // Dotted addresses look like numbers to the mask: conservative on purpose.
      cause: { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED [number]:5432' },
    });
    expect(info.lines.join('')).not.toContain('    at ');

    const debug = capture('debug');
    debug.logger.error('turn failed', { error });
    expect((debug.entries()[0]?.error as { stack?: string }).stack).toContain('    at ');

    const rejected = capture('info');
    rejected.logger.warn('rejected', { error: Object.assign(new Error('Unauthorized'), { name: 'AuthenticationError', statusCode: 401 }) });
    expect(rejected.entries()[0]?.error).toMatchObject({ name: 'AuthenticationError', code: 401 });

    // JSON.parse quotes what it could not read: at info that could be a person's message.
    let syntaxError: unknown;
    try {
      JSON.parse('private symptoms, not JSON');
    } catch (error) {
      syntaxError = error;
    }
    const parse = capture('info');
    parse.logger.warn('unreadable body', { error: syntaxError });
    expect(parse.entries()[0]?.error).toEqual({ name: 'SyntaxError' });
    expect(parse.lines.join('')).not.toContain('private');
  });
});

describe('logRequests', () => {
  let server: restify.Server | undefined;
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
  });

  it('logs each request at info with its request id and route pattern (no ids from the path), and returns X-Request-Id', async () => {
    const { logger, entries } = capture('info');
    server = restify.createServer();
    logRequests(server, logger);
    server.get('/v3/directline/conversations/:id/activities', async (_req: restify.Request, res: restify.Response) => {
      res.send(200, { ok: true });
    });
    const port = await listen(server, 0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${port}/v3/directline/conversations/SecretConversation42/activities?watermark=3`);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[\w-]{8,}$/);
    await expect.poll(() => entries().length).toBe(1);
    const [entry] = entries();
    expect(entry).toMatchObject({ level: 'info', msg: 'request', requestId, method: 'GET', route: '/v3/directline/conversations/:id/activities', status: 200 });
    expect(JSON.stringify(entry)).not.toContain('SecretConversation42');
  });
});
