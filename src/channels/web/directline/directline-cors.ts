import type { Request, Response, Server } from 'restify';

const allowedHeaders = 'Authorization, Content-Type, x-ms-bot-agent';

/**
 * CORS for the hospital's own pages (WEB_ALLOWED_ORIGINS; `*` allows any origin). Credentials travel in the
 * Authorization header, never in cookies, so no Allow-Credentials. Preflights are answered here, before
 * routing, for every path under the base.
 */
export function registerDirectLineCors(server: Server, basePath: string, allowedOrigins: readonly string[]): void {
  const anyOrigin = allowedOrigins.includes('*');
  server.pre((req: Request, res: Response, next: (proceed?: boolean) => void) => {
    const path = req.getPath();
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return next();
    const origin = req.header('origin');
    if (origin && (anyOrigin || allowedOrigins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (req.method !== 'OPTIONS') return next();
    if (res.hasHeader('Access-Control-Allow-Origin')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.send(204);
    return next(false);
  });
}
