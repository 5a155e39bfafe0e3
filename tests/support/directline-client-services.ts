import type { Services } from 'botframework-directlinejs';
import { Observable } from 'rxjs/Observable';
import WebSocket from 'ws';

/*
 * What the stock botframework-directlinejs client needs in Node, passed through its `Partial<Services>`
 * constructor option: `ws` as WebSocket, and its ajax service answered by Node's fetch in rxjs ajax's
 * response/error shape (no usable XMLHttpRequest is installed). Everything else is the client's own code.
 */
interface AjaxRequest {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeout?: number;
}

function fetchAjax(request: AjaxRequest) {
  return new Observable<unknown>((subscriber) => {
    const controller = new AbortController();
    const run = async () => {
      const response = await fetch(request.url, {
        method: request.method ?? 'GET',
        headers: request.headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: controller.signal,
      });
      const text = await response.text();
      const xhr = { status: response.status, getResponseHeader: (name: string) => response.headers.get(name) };
      const shaped = { status: response.status, response: text ? (JSON.parse(text) as unknown) : null, xhr, request };
      if (response.ok) {
        subscriber.next(shaped);
        subscriber.complete();
      } else {
        subscriber.error({ ...shaped, message: `ajax error ${response.status}` });
      }
    };
    run().catch((error: unknown) => subscriber.error(error));
    return () => controller.abort();
  });
}

/** The client's constructor takes `Partial<Services>`; rxjs's ajax and the DOM WebSocket types are wider than what it uses. */
export const services: Partial<Services> = {
  ajax: fetchAjax as unknown as Services['ajax'],
  WebSocket: WebSocket as unknown as Services['WebSocket'],
};
