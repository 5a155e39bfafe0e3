import type { Server } from 'restify';
import type { Clock } from '../../../src/clock';
import type { AppConfig } from '../../../src/config/load-config';
import { type ConsoleRoutes, registerConsoleRoutes } from '../../../src/console/console-routes';
import { close, createHttpServer, listen } from '../../../src/http/server';
import { createTranslator } from '../../../src/i18n/translator';
import type { Logger } from '../../../src/logger';
import type { Stores } from '../../../src/storage/ports';

/** The console on a real restify server on 127.0.0.1 (port 0), as app.ts registers it. */
export async function startConsoleServer(deps: { stores: Stores; config: AppConfig; logger: Logger; clock: Clock; signInLimit?: { limit: number; windowMs: number } }): Promise<{ baseUrl: string; routes: ConsoleRoutes; server: Server; stop(): Promise<void> }> {
  const server = createHttpServer({ config: deps.config, logger: deps.logger });
  const routes = registerConsoleRoutes(server, { ...deps, i18n: createTranslator(deps.config.rootDir) });
  const port = await listen(server, 0, '127.0.0.1');
  return { baseUrl: `http://127.0.0.1:${port}`, routes, server, stop: () => close(server) };
}

export interface ConsoleResponse {
  status: number;
  location: string | null;
  setCookies: string[];
  headers: Headers;
  body: string;
}

/** A browser in miniature: keeps cookies, never follows redirects, sends forms like a same-origin page. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    return this.send('GET', path, undefined, headers);
  }

  /** A form POST as the console's own page sends it (Origin and Sec-Fetch-Site of this origin), unless overridden ('' leaves a header out). */
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    const merged = Object.entries({ origin: this.baseUrl, 'sec-fetch-site': 'same-origin', ...headers }).filter(([, value]) => value !== '');
    return this.send('POST', path, new URLSearchParams(form).toString(), Object.fromEntries(merged));
  }

  async signIn(name: string, password: string): Promise<ConsoleResponse> {
    return this.post('/console/sign-in', { name, password });
  }

  /** The CSRF token of the page at `path` (any signed-in page carries it in its forms). */
  async csrfToken(path = '/console'): Promise<string> {
    const page = await this.get(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return token;
  }

  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<ConsoleResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, location: response.headers.get('location'), setCookies, headers: response.headers, body: await response.text() };
  }
}
