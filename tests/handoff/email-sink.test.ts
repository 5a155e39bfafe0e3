import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailSink } from '../../src/handoff/sinks/email-sink';
import { pii, sampleReferral } from './support/fixtures';

interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

const received: ReceivedMail[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('rejected@')) {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Undo quoted-printable and base64 bodies so the assertions see the text a coordinator reads. */
function decodedBodies(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const qpAsUtf8 = Buffer.from(unfolded, 'latin1').toString('utf8');
  const base64Parts = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((match) => Buffer.from(match[1]!.replace(/\s/g, ''), 'base64').toString('utf8'));
  return [raw, qpAsUtf8, ...base64Parts].join('\n');
}

describe('email sink', () => {
  it('delivers to a real SMTP server: the reference and link, none of the contact details', async () => {
    const sink = createEmailSink({ smtpUrl: `smtp://127.0.0.1:${port}`, to: 'study-team@hospital.example', from: 'trialguide@hospital.example', publicBaseUrl: 'https://trialguide.example.org' });
    try {
      expect(await sink.deliver(sampleReferral(), 'referral:7f1e:email')).toEqual({ kind: 'delivered' });
    } finally {
      sink.close();
    }

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.from).toBe('trialguide@hospital.example');
    expect(mail.to).toEqual(['study-team@hospital.example']);
    expect(mail.raw).toMatch(/^Message-ID: <referral7f1eemail@trialguide\.handoff>$/im);
    const text = decodedBodies(mail.raw);
    expect(text).toContain('TG-7K3Q9');
    expect(text).toContain('https://trialguide.example.org/api/referrals/7f1e2d3c-0000-4000-8000-00000000abcd');
    expect(text).toContain('May be a fit');
    // Proves the decoding works for Chinese, so a Chinese name could not hide behind quoted-printable.
    expect(text).toContain('可能适合');
    for (const value of [pii.name, pii.phone, pii.phone.slice(1), pii.email, pii.bestTime]) {
      expect(text).not.toContain(value);
    }
  });

  it('reports a rejected recipient (SMTP 550) as permanent and an unreachable server as a retry', async () => {
    const rejected = createEmailSink({ smtpUrl: `smtp://127.0.0.1:${port}`, to: 'rejected@hospital.example', from: 'trialguide@hospital.example', publicBaseUrl: 'https://x.example' });
    try {
      const outcome = await rejected.deliver(sampleReferral(), 'k1');
      expect(outcome).toMatchObject({ kind: 'permanent' });
      expect(JSON.stringify(outcome)).toContain('550');
      expect(JSON.stringify(outcome)).not.toContain('rejected@');
    } finally {
      rejected.close();
    }

    const unreachable = createEmailSink({ smtpUrl: 'smtp://127.0.0.1:9', to: 'team@hospital.example', from: 'trialguide@hospital.example', publicBaseUrl: 'https://x.example', timeoutMs: 2000 });
    try {
      expect((await unreachable.deliver(sampleReferral(), 'k2')).kind).toBe('retry');
    } finally {
      unreachable.close();
    }
  });
});
