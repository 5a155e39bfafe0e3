import restify, { type Next, type Request, type Response, type Server } from 'restify';
import type { AppConfig } from '../config/load-config';
import type { Logger } from '../logger';
import { codeForStatus, errorBody, httpErrors } from './error-catalogue';

export interface HttpServerDependencies {
  config: AppConfig;
  logger: Logger;
  /** Checks for /readyz (storage write probe, outbox worker, migrations); each must pass for 200. */
  readinessChecks?: Record<string, () => Promise<boolean>>;
  /** Longest a readiness check may take before it counts as failed (so /readyz always answers). Default 5 s. */
  readinessTimeoutMs?: number;
}

/**
 * Builds (does not start) the restify server: body limits, JSON errors without stack traces, request logs
 * without bodies, and /healthz. Channels and APIs add their routes to it.
 */
export function createHttpServer({ config, logger, readinessChecks = {}, readinessTimeoutMs = 5_000 }: HttpServerDependencies): Server {
  const server = restify.createServer({ name: 'trialguide', handleUncaughtExceptions: false, ignoreTrailingSlash: true });

  server.pre((req: Request, res: Response, next: () => void) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    return next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(
    restify.plugins.bodyParser({
      maxBodySize: config.env.MAX_BODY_BYTES,
      mapParams: false,
      mapFiles: false,
      // WeChat posts XML: keep the raw text for its own parser.
      rejectUnknown: false,
    }),
  );

  // Replace restify's error bodies with the catalogue's; 5xx never reveal internals.
  server.on('restifyError', (req: Request, res: Response, err: Error & { statusCode?: number; body?: { code?: string; message?: string } }, callback: () => void) => {
    const status = err.statusCode ?? 500;
    const code = codeForStatus(status);
    const message = status >= 500 ? httpErrors[code].message : safeClientMessage(err, code);
    (err as unknown as { toJSON: () => unknown }).toJSON = () => errorBody(code, message);
    if (status >= 500) logger.error('request failed', { method: req.method, path: req.getPath(), status, error: err });
    return callback();
  });

  logRequests(server, logger);

  // Liveness only: the process is up and its event loop answers. It touches no database, so a hung or lost
  // database never makes an orchestrator restart a process that would recover by itself.
  server.get('/healthz', (_req: Request, res: Response, next: Next) => {
    res.send(200, { status: 'ok' });
    return next();
  });

  // Readiness: whether this instance can take conversations now (storage writes, delivery worker, migrations).
  // Every check is bounded, so a silent database gives 503 in bounded time rather than a hanging request.
  server.get('/readyz', async (_req: Request, res: Response) => {
    const results = Object.fromEntries(
      await Promise.all(Object.entries(readinessChecks).map(async ([name, check]) => [name, await withinTime(check, readinessTimeoutMs)] as const)),
    );
    const ready = Object.values(results).every(Boolean);
    res.setHeader('Cache-Control', 'no-store');
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', checks: results });
  });

  return server;
}

async function withinTime(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().then((ok) => ok === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Client errors keep restify's explanation only where it cannot echo the request back (e.g. invalid JSON). */
function safeClientMessage(err: Error, code: ReturnType<typeof codeForStatus>): string {
  if (code === 'bad_request' && /json/i.test(err.message)) return 'The request body is not valid JSON.';
  return httpErrors[code].message;
}

/** Starts listening; resolves with the bound port (0 picks a free one, as the tests do). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * One info line per HTTP request, with restify's request id (also sent back as X-Request-Id so a person's
 * report can be matched to the log) and the route's pattern (`/v3/directline/conversations/:id`), never the
 * concrete path, query or body.
 */
export function logRequests(server: Server, logger: Logger): void {
  server.pre((req: Request, res: Response, next: () => void) => {
    res.setHeader('X-Request-Id', req.id());
    return next();
  });
  server.on('after', (req: Request, res: Response) => {
    const route = req.getRoute()?.path;
    logger.info('request', {
      requestId: req.id(),
      method: req.method,
      route: typeof route === 'string' ? route : route ? String(route) : 'unmatched',
      status: res.statusCode,
      ms: Date.now() - req.time(),
    });
  });
}
