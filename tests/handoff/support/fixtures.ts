import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../../src/clock';
import { loadConfig } from '../../../src/config/load-config';
import type { NewReferral, Referral } from '../../../src/storage/ports';

/** Personal data used across the hand-off tests; none of it may ever appear in a log or a chat/email notification. */
export const pii = {
  name: '王芳',
  phone: '+8613812345678',
  phoneHk: '+85291234567',
  email: 'wang.fang@example.com',
  emailOther: 'chan.tai.man@example.net',
  bestTime: '上午十点后',
};

/** Every string a log line must not contain (phones also without the leading +). */
export const forbiddenInLogs = [pii.name, pii.phone, pii.phone.slice(1), pii.phoneHk, pii.phoneHk.slice(1), pii.email, pii.emailOther];

export function newReferral(overrides: Partial<NewReferral> = {}, index = 0): NewReferral {
  return {
    conversationKey: `webchat/conversation-${index}`,
    channel: 'webchat',
    locale: 'zh-Hans',
    contact: { name: pii.name, phone: index % 2 === 0 ? pii.phone : pii.phoneHk, email: index % 2 === 0 ? pii.email : pii.emailOther, bestTime: pii.bestTime, preferredLanguage: 'zh-Hans', relationship: 'family' },
    precheck: { outcome: 'may-fit', reasons: [], flags: ['brain-metastases', 'autoimmune-disease'], answers: { age: '56', diagnosis: 'yes' }, criteriaVersion: '2026-11-01' },
    consentVersion: 'consent-v1',
    ...overrides,
  };
}

/** A stored-shape referral for sink tests that need no database. */
export function sampleReferral(overrides: Partial<Referral> = {}): Referral {
  return {
    ...newReferral(),
    id: '7f1e2d3c-0000-4000-8000-00000000abcd',
    reference: 'TG-7K3Q9',
    status: 'new',
    createdAt: new Date('2026-11-20T08:30:00.000Z'),
    updatedAt: new Date('2026-11-20T08:30:00.000Z'),
    ...overrides,
  };
}

export class ManualClock implements Clock {
  constructor(private millis = Date.parse('2026-11-20T08:00:00.000Z')) {}
  now(): Date {
    return new Date(this.millis);
  }
  advance(ms: number): void {
    this.millis += ms;
  }
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-handoff-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(env: Record<string, string>) {
  return loadConfig({ LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'https://trialguide.example.org', ...env });
}
