import type { DeliveryOutcome } from './sink';
import { outcomeForHttpStatus } from './sink';

export interface PostResult {
  status: number;
  /** At most the first 4 KB of the answer: enough for an errcode, never a memory risk. */
  text: string;
  retryAfter: string | null;
}

/**
 * POSTs a JSON body. Redirects are not followed: a signed or key-bearing request must reach the configured
 * host or nobody, so a 3xx surfaces as a permanent failure (a configuration problem to fix).
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = (await response.text()).slice(0, 4096);
  return { status: response.status, text, retryAfter: response.headers.get('retry-after') };
}

/**
 * Network trouble is always worth a retry. The reason names only the error code: undici's messages can
 * contain the request URL, and a WeCom URL carries its key.
 */
export function outcomeForNetworkError(error: unknown): DeliveryOutcome {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'retry', reason: 'timeout' };
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : 'unknown';
  return { kind: 'retry', reason: `network error ${code}` };
}

/** Sends and classifies; `interpret` may refine a 2xx whose body reports an error (WeCom, legacy Teams). */
export async function postAndClassify(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  interpret?: (result: PostResult) => DeliveryOutcome | undefined,
): Promise<DeliveryOutcome> {
  let result: PostResult;
  try {
    result = await postJson(url, body, headers, timeoutMs);
  } catch (error) {
    return outcomeForNetworkError(error);
  }
  if (result.status >= 300 && result.status < 400) return { kind: 'permanent', reason: `HTTP ${result.status} redirect not followed` };
  const base = outcomeForHttpStatus(result.status, result.retryAfter);
  if (base.kind !== 'delivered' || !interpret) return base;
  return interpret(result) ?? base;
}
