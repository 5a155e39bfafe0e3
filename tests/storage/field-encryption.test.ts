import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, createFieldCipher } from '../../src/security/field-encryption';

describe('field encryption (AES-256-GCM envelopes)', () => {
  const cipher = createFieldCipher(randomBytes(32));
  const plaintext = JSON.stringify({ name: '陳大文', phone: '+85291234567' });

  it('round-trips text and uses a fresh IV for every value', () => {
    const first = cipher.encrypt(plaintext, 'referrals.contact:r1');
    const second = cipher.encrypt(plaintext, 'referrals.contact:r1');
    expect(first).toMatch(/^v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
    expect(first).not.toContain('91234567');
    expect(cipher.decrypt(first, 'referrals.contact:r1')).toBe(plaintext);
    expect(cipher.decrypt(cipher.encrypt('', 'c'), 'c')).toBe('');
  });

  it('rejects another context, another key, altered bytes and unknown envelopes', () => {
    const envelope = cipher.encrypt(plaintext, 'referrals.contact:r1');
    expect(() => cipher.decrypt(envelope, 'referrals.contact:r2')).toThrow(DecryptionError);
    expect(() => createFieldCipher(randomBytes(32)).decrypt(envelope, 'referrals.contact:r1')).toThrow(DecryptionError);
    const [version, iv, tag, body] = envelope.split(':') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt([version, iv, tag, flipped.toString('base64')].join(':'), 'referrals.contact:r1')).toThrow(DecryptionError);
    expect(() => cipher.decrypt(['v2', iv, tag, body].join(':'), 'referrals.contact:r1')).toThrow(/unknown envelope/);
    expect(() => cipher.decrypt(['v1', 'AAAA', tag, body].join(':'), 'referrals.contact:r1')).toThrow(/malformed/);
    expect(() => cipher.decrypt(plaintext, 'referrals.contact:r1')).toThrow(DecryptionError);
  });

  it('never hands out an IV twice, across refills of its pool, and keeps its own copy of the key', () => {
    const key = randomBytes(32);
    const pooled = createFieldCipher(key);
    const envelopes = Array.from({ length: 1000 }, (_, index) => pooled.encrypt(`value ${index}`, 'bot_state:k'));
    key.fill(0);
    expect(new Set(envelopes.map((envelope) => envelope.split(':')[1])).size).toBe(1000);
    envelopes.forEach((envelope, index) => expect(pooled.decrypt(envelope, 'bot_state:k')).toBe(`value ${index}`));
    expect(() => createFieldCipher(key).decrypt(envelopes[0] ?? '', 'bot_state:k')).toThrow(DecryptionError);
  });

  it('accepts only 32-byte keys', () => {
    expect(() => createFieldCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});
