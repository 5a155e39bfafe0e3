import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's request signature: hex SHA-1 of the lexicographically sorted parts joined without separator.
 * Plain requests sign [token, timestamp, nonce]; safe mode adds the Encrypt field (msg_signature).
 */
export function wechatSignature(parts: readonly string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time check of a signature taken from the query string (absent or malformed means invalid). */
export function isValidSignature(received: unknown, parts: readonly string[]): boolean {
  if (typeof received !== 'string' || !/^[0-9a-f]{40}$/i.test(received)) return false;
  const expected = Buffer.from(wechatSignature(parts), 'hex');
  return timingSafeEqual(expected, Buffer.from(received, 'hex'));
}
