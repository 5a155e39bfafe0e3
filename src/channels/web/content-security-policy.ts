import { createHash } from 'node:crypto';
import type { Request, Response } from 'restify';
import type { Logger } from '../../logger';

/**
 * The hash of an empty style element. Web Chat 4.18 does not hand its nonce to react-scroll-to-bottom, whose
 * emotion cache creates an empty <style> and fills it through insertRule (CSSOM, which CSP does not check).
 * Allowing exactly the empty element lets that work; any injected <style> with content is still refused.
 */
const emptyStyleHash = `sha256-${createHash('sha256').update('').digest('base64')}`;

export interface SecurityHeaderOptions {
  /** Origins that may frame the page (the embed button's panel on hospital pages). */
  frameOrigins: readonly string[];
  /** Extra origins Web Chat connects to (Azure's Direct Line when configured). */
  connectOrigins: readonly string[];
}

/**
 * The CSP Web Chat runs under (checked in tests/browser/web-chat.test.ts, which fails on any violation): scripts
 * and style elements only from this origin or carrying this response's nonce (Web Chat's emotion styles get it
 * through its `nonce` prop), no eval, no inline handlers. 'self' in connect-src covers the same-origin ws(s)://
 * stream. img-src allows data: because Web Chat draws some icons as data URIs.
 */
export function pageContentSecurityPolicy(nonce: string, { frameOrigins, connectOrigins }: SecurityHeaderOptions): string {
  const ancestors = frameOrigins.includes('*') ? '*' : ["'self'", ...frameOrigins].join(' ');
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}' '${emptyStyleHash}'`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connectOrigins].join(' ')}`,
    "media-src 'self' blob: data:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** For every response that is not the chat page: nothing may load, run or frame it. */
export const fallbackContentSecurityPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A year, subdomains included: the chat host serves nothing that needs plain HTTP. */
export const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * HSTS only means something over TLS (browsers ignore it on plain HTTP): when the public URL is https, the socket
 * is TLS, or a TLS-terminating proxy says so in X-Forwarded-Proto (a forged header only adds an ignored header).
 */
export function servedOverTls(req: Request, publicBaseIsHttps: boolean): boolean {
  return publicBaseIsHttps || req.isSecure() || req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

export function setPageSecurityHeaders(res: Response, nonce: string, options: SecurityHeaderOptions): void {
  res.setHeader('Content-Security-Policy', pageContentSecurityPolicy(nonce, options));
  // Legacy browsers ignore frame-ancestors; X-Frame-Options cannot name origins, so it is only sent when no other site may frame the page.
  if (options.frameOrigins.length === 0) res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/** WEB_ALLOWED_ORIGINS entries go into a header: only exact origins (or `*`) pass. */
export function validOrigins(origins: readonly string[], logger: Logger): string[] {
  return origins.filter((origin) => {
    if (origin === '*') return true;
    try {
      if (new URL(origin).origin === origin) return true;
    } catch (error) {
      logger.warn('WEB_ALLOWED_ORIGINS entry is not a URL', { origin, error });
      return false;
    }
    logger.warn('WEB_ALLOWED_ORIGINS entry ignored for framing: it must be an origin like https://hospital.example (no path, no trailing slash)', { origin });
    return false;
  });
}
